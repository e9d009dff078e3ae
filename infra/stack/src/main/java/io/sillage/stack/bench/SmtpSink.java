package io.sillage.stack.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The messaging benchmark's SMTP server: it speaks enough SMTP (RFC 5321: {@code EHLO}/{@code HELO}, {@code MAIL},
 * {@code RCPT}, {@code DATA}, {@code RSET}, {@code NOOP}, {@code QUIT}) to take each message as a relay would, then
 * counts it and remembers its {@code Message-ID} instead of storing it. Like Postfix by default, it offers
 * {@code PIPELINING} (RFC 2920: commands are read from a buffer, so a client may send several before reading the
 * replies). GreenMail, which the tests use, delivers
 * under one lock and parses every message: about 600 messages/s on this machine, whatever the client does, so it
 * would measure itself rather than the activation job.
 */
final class SmtpSink implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService connections = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "smtp-sink");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final Set<String> messageIds = ConcurrentHashMap.newKeySet();

    private final String extensions;

    SmtpSink() throws IOException {
        this(true);
    }

    /** @param pipelining whether the server offers PIPELINING */
    SmtpSink(boolean pipelining) throws IOException {
        extensions = pipelining ? "250-sink\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SMTPUTF8"
                : "250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8";
        server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "smtp-sink-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Messages taken (a {@code 250} after {@code DATA}). */
    long received() {
        return received.get();
    }

    /** Messages taken whose {@code Message-ID} had been taken before. */
    long duplicates() {
        return received.get() - messageIds.size();
    }

    long bytes() {
        return bytes.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.execute(() -> serve(socket));
            }
            catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            Lines in = new Lines(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            reply(out, "220 sink ESMTP");
            for (String line = in.next(); line != null; line = in.next()) {
                String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> reply(out, extensions);
                    case "HELO", "MAIL", "RCPT", "RSET", "NOOP" -> reply(out, "250 OK");
                    case "DATA" -> {
                        reply(out, "354 End data with <CR><LF>.<CR><LF>");
                        if (!data(in)) {
                            return;
                        }
                        reply(out, "250 OK queued");
                    }
                    case "QUIT" -> {
                        reply(out, "221 Bye");
                        return;
                    }
                    default -> reply(out, "500 Command not recognized");
                }
            }
        }
        catch (SocketException e) {
            // the client went away
        }
        catch (IOException e) {
            throw new IllegalStateException("SMTP sink: " + e.getMessage(), e);
        }
    }

    /** Reads a message up to the line holding a single dot; false when the connection ended first. */
    private boolean data(Lines in) throws IOException {
        String messageId = null;
        boolean headers = true;
        long size = 0;
        for (String line = in.next(); line != null; line = in.next()) {
            if (line.equals(".")) {
                received.incrementAndGet();
                bytes.addAndGet(size);
                messageIds.add(messageId == null ? "none-" + received.get() : messageId);
                return true;
            }
            size += line.length() + 2;
            if (headers) {
                if (line.isEmpty()) {
                    headers = false;
                }
                else if (line.regionMatches(true, 0, "Message-ID:", 0, 11)) {
                    messageId = line.substring(11).strip();
                }
            }
        }
        return false;
    }

    /** Lines of one connection, read in blocks (a byte at a time, the sink would cost the machine as much as the job it measures). */
    private static final class Lines {
        private final InputStream in;
        private byte[] buffer = new byte[64 * 1024];
        private int start;
        private int end;

        Lines(InputStream in) {
            this.in = in;
        }

        /** The next line without its line break, or null at the end of the stream. */
        String next() throws IOException {
            int scanned = start;
            while (true) {
                for (int i = scanned; i < end; i++) {
                    if (buffer[i] == '\n') {
                        int length = i > start && buffer[i - 1] == '\r' ? i - 1 - start : i - start;
                        String line = new String(buffer, start, length, StandardCharsets.ISO_8859_1);
                        start = i + 1;
                        return line;
                    }
                }
                scanned = end - start;
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buffer.length) {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2); // a line longer than the buffer
                }
                int read = in.read(buffer, end, buffer.length - end);
                if (read < 0) {
                    return null;
                }
                end += read;
            }
        }
    }

    private static void reply(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        connections.shutdownNow();
    }
}
