package io.sillage.lakehouse.messaging.connector;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * A real SMTP server on a free loopback port that answers {@code MAIL FROM}, {@code RCPT TO} and the end of the
 * message with the replies it is given: the refusals GreenMail does not make. It can offer {@code PIPELINING} (which
 * GreenMail does not), and then notes whether the client sent {@code RCPT TO} and {@code DATA} before it had the
 * reply to {@code MAIL FROM}.
 */
final class ScriptedSmtpServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread acceptor;
    private final boolean pipelining;
    private volatile String mailReply = "250 2.1.0 OK";
    private volatile String rcptReply = "250 2.1.5 OK";
    private volatile String dataReply = "250 2.0.0 queued";
    private volatile String lastMessage;
    private volatile boolean lastEnvelopePipelined;

    ScriptedSmtpServer() {
        this(false);
    }

    ScriptedSmtpServer(boolean pipelining) {
        this.pipelining = pipelining;
        try {
            socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        acceptor = new Thread(this::accept, "scripted-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    void reply(String toRcpt, String toData) {
        reply("250 2.1.0 OK", toRcpt, toData);
    }

    void reply(String toMail, String toRcpt, String toData) {
        mailReply = toMail;
        rcptReply = toRcpt;
        dataReply = toData;
    }

    /** The last message received whole, without DATA's dot-stuffing. */
    String lastMessage() {
        return lastMessage;
    }

    /** Whether the last envelope's RCPT TO and DATA arrived before the reply to its MAIL FROM was sent. */
    boolean lastEnvelopePipelined() {
        return lastEnvelopePipelined;
    }

    private void accept() {
        while (!socket.isClosed()) {
            try (Socket client = socket.accept()) {
                converse(client);
            }
            catch (IOException e) {
                // closed, or the client hung up
            }
        }
    }

    private void converse(Socket client) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
        Writer out = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.US_ASCII);
        send(out, "220 scripted ESMTP");
        Deque<String> readAhead = new ArrayDeque<>();
        for (String line = in.readLine(); line != null; line = readAhead.isEmpty() ? in.readLine() : readAhead.poll()) {
            String command = line.length() < 4 ? line : line.substring(0, 4).toUpperCase(Locale.ROOT);
            switch (command) {
                case "EHLO" -> send(out, pipelining ? "250-scripted\r\n250-8BITMIME\r\n250 PIPELINING" : "250-scripted\r\n250 8BITMIME");
                case "MAIL" -> {
                    if (!pipelining) {
                        send(out, mailReply);
                        break;
                    }
                    // RCPT TO and DATA before this reply: a client that waits for it sends nothing more within the second
                    client.setSoTimeout(1000);
                    try {
                        for (String ahead = in.readLine(); ahead != null; ahead = readAhead.size() < 2 ? in.readLine() : null) {
                            readAhead.add(ahead);
                        }
                    }
                    catch (SocketTimeoutException e) {
                        // what came is kept
                    }
                    finally {
                        client.setSoTimeout(0);
                    }
                    lastEnvelopePipelined = readAhead.size() == 2 && readAhead.getLast().equalsIgnoreCase("DATA");
                    send(out, mailReply);
                }
                case "RCPT" -> send(out, rcptReply);
                case "DATA" -> {
                    send(out, "354 go ahead");
                    StringBuilder message = new StringBuilder();
                    for (String data = in.readLine(); data != null && !data.equals("."); data = in.readLine()) {
                        message.append(data.startsWith(".") ? data.substring(1) : data).append("\r\n");
                    }
                    lastMessage = message.toString();
                    send(out, dataReply);
                }
                case "QUIT" -> {
                    send(out, "221 bye");
                    return;
                }
                default -> send(out, "250 OK");
            }
        }
    }

    private static void send(Writer out, String reply) throws IOException {
        out.write(reply + "\r\n");
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
