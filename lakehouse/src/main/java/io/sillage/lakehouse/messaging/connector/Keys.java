package io.sillage.lakehouse.messaging.connector;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/** Keys of connector configurations, read with the JDK. */
final class Keys {
    private Keys() {}

    /**
     * An RSA private key from PEM ({@code -----BEGIN PRIVATE KEY-----}, PKCS#8).
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static RSAPrivateKey rsaPrivateKey(String pem) {
        String text = pem.strip();
        if (text.startsWith("-----BEGIN RSA PRIVATE KEY-----")) {
            throw new IllegalArgumentException("is PKCS#1 (BEGIN RSA PRIVATE KEY): convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt`");
        }
        if (!text.startsWith("-----BEGIN PRIVATE KEY-----") || !text.endsWith("-----END PRIVATE KEY-----")) {
            throw new IllegalArgumentException("must be a PEM private key (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----)");
        }
        String base64 = text.substring("-----BEGIN PRIVATE KEY-----".length(), text.length() - "-----END PRIVATE KEY-----".length());
        try {
            byte[] der = Base64.getMimeDecoder().decode(base64);
            return (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        }
        catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("is not a PKCS#8 RSA private key");
        }
    }

    /**
     * A P-256 private key from its 32 bytes in base64url.
     *
     * @throws IllegalArgumentException when it is not one
     */
    static ECPrivateKey p256PrivateKey(String base64url) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(base64url.strip().replace("=", ""));
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not base64url");
        }
        if (bytes.length != 32) {
            throw new IllegalArgumentException("must be the 32 bytes of a P-256 private key in base64url, got " + bytes.length + " bytes");
        }
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec curve = parameters.getParameterSpec(ECParameterSpec.class);
            return (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(new BigInteger(1, bytes), curve));
        }
        catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("is not a P-256 private key: " + e.getMessage());
        }
    }
}
