package io.sillage.stack.process;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/** Port checks, with the owner of a busy port when Linux's /proc can tell. */
public final class Ports {
    private Ports() {}

    public static boolean isListening(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 300);
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }

    public static boolean isFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }

    /**
     * {@code count} distinct free ports on loopback, for tests. The sockets stay open until all are chosen: one
     * closed before the next is asked for can be handed out again (a test stack once got Kafka and the API on the
     * same port).
     */
    public static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        }
        catch (IOException e) {
            throw new IllegalStateException("No free port", e);
        }
        finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                }
                catch (IOException e) {
                    // closing a listening socket that accepted nothing: nothing to lose
                }
            }
        }
    }

    /** "pid 1234 (java ...)" for the process listening on {@code port}, if it can be found. */
    public static Optional<String> owner(int port) {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        Optional<String> inode = Optional.empty();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] columns = line.trim().split("\\s+");
                    if (columns.length > 9 && columns[1].endsWith(hexPort) && columns[3].equals("0A")) {
                        inode = Optional.of(columns[9]);
                        break;
                    }
                }
            }
            catch (IOException | RuntimeException e) {
                // not Linux, or not readable: owner unknown
            }
            if (inode.isPresent()) {
                break;
            }
        }
        if (inode.isEmpty()) {
            return Optional.empty();
        }
        String socket = "socket:[" + inode.get() + "]";
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(path -> path.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try (Stream<Path> fds = Files.list(process.resolve("fd"))) {
                    if (fds.anyMatch(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).toString().equals(socket);
                        }
                        catch (IOException e) {
                            return false;
                        }
                    })) {
                        String command = Files.readString(process.resolve("cmdline")).replace('\0', ' ').trim();
                        if (command.length() > 100) {
                            command = command.substring(0, 100) + "...";
                        }
                        return Optional.of("pid " + process.getFileName() + " (" + command + ")");
                    }
                }
                catch (IOException | RuntimeException e) {
                    // process gone or not ours to inspect
                }
            }
        }
        catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
