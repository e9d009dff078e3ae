package io.sillage.lakehouse.messaging.connector;

import static io.sillage.lakehouse.messaging.connector.Messages.json;
import static io.sillage.lakehouse.messaging.connector.Messages.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sillage.lakehouse.messaging.connector.LocalHttpServer.Response;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Against a local push service that checks what a real one checks: the VAPID JWT (RFC 8292) and the encrypted body
 * (RFC 8291), which it decrypts with the browser's keys.
 */
class WebPushConnectorTest {
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final LocalHttpServer pushService = new LocalHttpServer();
    private final KeyPair vapid = p256();
    private final KeyPair browser = p256();
    private final byte[] auth = new byte[16];

    WebPushConnectorTest() {
        new SecureRandom().nextBytes(auth);
    }

    @AfterEach
    void stop() {
        pushService.close();
    }

    private static KeyPair p256() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        }
        catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] uncompressed(PublicKey key) {
        ECPoint point = ((ECPublicKey) key).getW();
        return ByteBuffer.allocate(65).put((byte) 4).put(fixed(point.getAffineX())).put(fixed(point.getAffineY())).array();
    }

    private static byte[] fixed(BigInteger value) {
        byte[] bytes = value.toByteArray();
        byte[] fixed = new byte[32];
        int length = Math.min(bytes.length, 32);
        System.arraycopy(bytes, bytes.length - length, fixed, 32 - length, length);
        return fixed;
    }

    private Connector connector(String ttl) {
        return ConnectorConfigs.parse(json("{\"type\": \"webpush\", \"ttl\": \"" + ttl + "\", \"vapid\": {\"subject\": \"mailto:ops@example.com\", "
                + "\"publicKey\": \"" + BASE64URL.encodeToString(uncompressed(vapid.getPublic())) + "\", "
                + "\"privateKey\": \"" + BASE64URL.encodeToString(fixed(((ECPrivateKey) vapid.getPrivate()).getS())) + "\"}}")).open();
    }

    private String subscription(String path) {
        return "{\"endpoint\": \"" + pushService.uri(path) + "\", \"keys\": {\"p256dh\": \"" + BASE64URL.encodeToString(uncompressed(browser.getPublic()))
                + "\", \"auth\": \"" + BASE64URL.encodeToString(auth) + "\"}}";
    }

    @Test
    void pushesAnEncryptedNotificationWithVapid() throws Exception {
        pushService.answer(request -> Response.of(201, "").with("Location", pushService.uri("/messages/m-1").toString()));

        DeliveryResult result = connector("1h").send(message(Messages.PUSH, "msg_3", subscription("/push/sub-1"), Map.of()));

        assertThat(result).isEqualTo(new DeliveryResult.Accepted(pushService.uri("/messages/m-1").toString()));
        LocalHttpServer.Request request = pushService.take();
        assertThat(request.uri().getPath()).isEqualTo("/push/sub-1");
        assertThat(request.header("TTL")).isEqualTo("3600");
        assertThat(request.header("Content-Encoding")).isEqualTo("aes128gcm");
        assertThat(request.header("Content-Type")).isEqualTo("application/octet-stream");

        String authorization = request.header("Authorization");
        assertThat(authorization).matches("vapid t=[^,]+, k=.+");
        String jwt = authorization.substring("vapid t=".length(), authorization.indexOf(','));
        assertThat(authorization.substring(authorization.indexOf("k=") + 2)).isEqualTo(BASE64URL.encodeToString(uncompressed(vapid.getPublic())));
        String[] parts = jwt.split("\\.");
        assertThat(json(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8)).path("alg").asText()).isEqualTo("ES256");
        JsonNode claims = json(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        assertThat(claims.path("aud").asText()).isEqualTo("http://127.0.0.1:" + pushService.uri("/").getPort());
        assertThat(claims.path("sub").asText()).isEqualTo("mailto:ops@example.com");
        assertThat(claims.path("exp").asLong()).isBetween(Instant.now().getEpochSecond(), Instant.now().plusSeconds(24 * 3600).getEpochSecond());
        Signature es256 = Signature.getInstance("SHA256withECDSAinP1363Format");
        es256.initVerify(vapid.getPublic());
        es256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(es256.verify(Base64.getUrlDecoder().decode(parts[2]))).as("the JWT is signed with the VAPID key").isTrue();

        assertThat(json(decrypt(request.body()))).isEqualTo(json(
                "{\"messageId\": \"msg_3\", \"title\": \"Hi Jane\", \"body\": \"Your cart c-42 is waiting\", \"url\": \"shop://cart/c-42\"}"));
    }

    @Test
    void aGoneSubscriptionRejectsTheDestination() {
        Connector connector = connector("1d");
        pushService.answer(request -> Response.of(410, ""));
        assertThat(connector.send(message(Messages.PUSH, "msg_3", subscription("/push/expired"), Map.of())))
                .isEqualTo(new DeliveryResult.PermanentFailure("HTTP 410: the subscription has expired or was unsubscribed", true));
        assertThat(pushService.take().header("TTL")).isEqualTo("86400");

        pushService.answer(request -> Response.of(429, "").with("Retry-After", "120"));
        assertThat(connector.send(message(Messages.PUSH, "msg_3", subscription("/push/busy"), Map.of())))
                .isEqualTo(new DeliveryResult.TemporaryFailure("HTTP 429", Duration.ofSeconds(120)));

        DeliveryResult broken = connector.send(message(Messages.PUSH, "msg_3", "{\"endpoint\": \"" + pushService.uri("/x") + "\"}", Map.of()));
        assertThat(broken).isEqualTo(new DeliveryResult.PermanentFailure("not a push subscription: endpoint, keys.p256dh and keys.auth are required", true));
    }

    /** RFC 8291 on the browser's side: the aes128gcm record decrypted with the subscription's private key and auth secret. */
    private String decrypt(byte[] body) throws GeneralSecurityException {
        ByteBuffer content = ByteBuffer.wrap(body);
        byte[] salt = new byte[16];
        content.get(salt);
        content.getInt(); // record size
        byte[] serverKey = new byte[content.get() & 0xff];
        content.get(serverKey);
        byte[] ciphertext = new byte[content.remaining()];
        content.get(ciphertext);

        ECPublicKey browserKey = (ECPublicKey) browser.getPublic();
        ECPublicKey sender = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
                new ECPoint(new BigInteger(1, Arrays.copyOfRange(serverKey, 1, 33)), new BigInteger(1, Arrays.copyOfRange(serverKey, 33, 65))), browserKey.getParams()));
        KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
        ecdh.init(browser.getPrivate());
        ecdh.doPhase(sender, true);
        byte[] shared = ecdh.generateSecret();

        byte[] keyInfo = concat("WebPush: info\0".getBytes(StandardCharsets.US_ASCII), uncompressed(browserKey), serverKey);
        byte[] ikm = hkdf(auth, shared, keyInfo, 32);
        byte[] cek = hkdf(salt, ikm, "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII), 16);
        byte[] nonce = hkdf(salt, ikm, "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII), 12);
        Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
        byte[] padded = aes.doFinal(ciphertext);
        int end = padded.length - 1;
        while (padded[end] == 0) {
            end--;
        }
        assertThat(padded[end]).as("the last record's delimiter").isEqualTo((byte) 2);
        return new String(padded, 0, end, StandardCharsets.UTF_8);
    }

    /** HKDF-SHA256 with one expansion block (lengths up to 32). */
    private static byte[] hkdf(byte[] salt, byte[] secret, byte[] info, int length) throws GeneralSecurityException {
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(salt, "HmacSHA256"));
        byte[] prk = hmac.doFinal(secret);
        hmac.init(new SecretKeySpec(prk, "HmacSHA256"));
        return Arrays.copyOf(hmac.doFinal(concat(info, new byte[] {1})), length);
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(part -> part.length).sum());
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }
}
