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
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A real SMTP server on a free loopback port that answers {@code RCPT TO} and the end of {@code DATA} with the
 * replies it is given: the refusals GreenMail does not make.
 */
final class ScriptedSmtpServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread acceptor;
    private volatile String rcptReply = "250 2.1.5 OK";
    private volatile String dataReply = "250 2.0.0 queued";

    ScriptedSmtpServer() {
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
        rcptReply = toRcpt;
        dataReply = toData;
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
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String command = line.length() < 4 ? line : line.substring(0, 4).toUpperCase(Locale.ROOT);
            switch (command) {
                case "EHLO" -> send(out, "250-scripted\r\n250 8BITMIME");
                case "RCPT" -> send(out, rcptReply);
                case "DATA" -> {
                    send(out, "354 go ahead");
                    for (String data = in.readLine(); data != null && !data.equals("."); data = in.readLine()) {
                        // the message is not kept
                    }
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
