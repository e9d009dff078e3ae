package io.sillage.lakehouse.messaging.connector;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks the DKIM signature of a received message as a receiving server would (RFC 6376, rsa-sha256,
 * relaxed/relaxed), with the public key it would read from DNS. Written from the RFC, apart from the signer.
 */
final class DkimVerifier {
    private DkimVerifier() {}

    /** The signature's tags; throws an AssertionError when the body hash or the signature does not verify. */
    static Map<String, String> verify(String raw, PublicKey key) throws GeneralSecurityException {
        int end = raw.indexOf("\r\n\r\n");
        List<String> headers = new ArrayList<>();
        for (String line : raw.substring(0, end).split("\r\n")) {
            if (line.startsWith(" ") || line.startsWith("\t")) {
                headers.set(headers.size() - 1, headers.get(headers.size() - 1) + "\r\n" + line);
            }
            else {
                headers.add(line);
            }
        }
        String signatureHeader = headers.stream().filter(header -> name(header).equals("dkim-signature")).findFirst()
                .orElseThrow(() -> new AssertionError("no DKIM-Signature header"));
        Map<String, String> tags = new LinkedHashMap<>();
        for (String tag : value(signatureHeader).split(";")) {
            if (!tag.isBlank()) {
                String[] pair = tag.split("=", 2);
                tags.put(pair[0].strip(), pair[1].replaceAll("\\s+", ""));
            }
        }
        if (!"rsa-sha256".equals(tags.get("a")) || !"relaxed/relaxed".equals(tags.get("c"))) {
            throw new AssertionError("expected a=rsa-sha256 and c=relaxed/relaxed, got " + tags);
        }

        String bodyHash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(relaxedBody(raw.substring(end + 4)).getBytes(StandardCharsets.UTF_8)));
        if (!bodyHash.equals(tags.get("bh"))) {
            throw new AssertionError("body hash " + bodyHash + " differs from bh=" + tags.get("bh"));
        }

        StringBuilder signed = new StringBuilder();
        List<String> unused = new ArrayList<>(headers);
        for (String name : tags.get("h").split(":")) {
            for (int i = unused.size() - 1; i >= 0; i--) { // the last instance first (RFC 6376, 5.4.2)
                if (name(unused.get(i)).equals(name.strip().toLowerCase(Locale.ROOT))) {
                    signed.append(relaxedHeader(unused.remove(i))).append("\r\n");
                    break;
                }
            }
        }
        signed.append(relaxedHeader(signatureHeader.replaceAll("((?:^|;)\\s*b\\s*=)[^;]*", "$1")));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initVerify(key);
        rsa.update(signed.toString().getBytes(StandardCharsets.UTF_8));
        if (!rsa.verify(Base64.getDecoder().decode(tags.get("b")))) {
            throw new AssertionError("the DKIM signature does not verify over:\n" + signed);
        }
        return tags;
    }

    private static String name(String header) {
        return header.substring(0, header.indexOf(':')).strip().toLowerCase(Locale.ROOT);
    }

    private static String value(String header) {
        return header.substring(header.indexOf(':') + 1);
    }

    private static String relaxedHeader(String header) {
        return name(header) + ":" + value(header).replace("\r\n", "").replaceAll("[ \t]+", " ").strip();
    }

    private static String relaxedBody(String body) {
        List<String> lines = new ArrayList<>();
        for (String line : body.split("\r\n", -1)) {
            lines.add(line.replaceAll("[ \t]+", " ").replaceAll(" $", ""));
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines.isEmpty() ? "" : String.join("\r\n", lines) + "\r\n";
    }
}
