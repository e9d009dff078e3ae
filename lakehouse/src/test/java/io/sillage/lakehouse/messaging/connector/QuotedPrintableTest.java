package io.sillage.lakehouse.messaging.connector;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuotedPrintableTest {

    @Test
    void encodesWhatIsNotPrintableAsciiAndKeepsTheRest() {
        assertThat(ascii(QuotedPrintable.encode("a=b café\t€"))).isEqualTo("a=3Db caf=C3=A9\t=E2=82=AC");
    }

    @Test
    void lineBreaksBecomeCrlfAndWhitespaceBeforeThemIsEncoded() {
        assertThat(ascii(QuotedPrintable.encode("one \r\ntwo\t\nthree\rfour "))).isEqualTo("one=20\r\ntwo=09\r\nthree\r\nfour=20");
    }

    @Test
    void longLinesGetSoftBreaksOutsideEscapes() {
        String line = "x".repeat(74) + "é" + "y".repeat(200);
        String encoded = ascii(QuotedPrintable.encode(line));
        assertThat(encoded).startsWith("x".repeat(74) + "=\r\n=C3=A9");
        for (String physical : encoded.split("\r\n")) {
            assertThat(physical.length()).isLessThanOrEqualTo(76);
        }
    }

    @Test
    void jakartaMailDecodesItBackForAnyText() throws Exception {
        Random random = new Random(42);
        String alphabet = "abc XYZ=\t\r\n.é€😀<>\"&";
        for (int round = 0; round < 500; round++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(400);
            for (int i = 0; i < length; i++) {
                text.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            byte[] encoded = QuotedPrintable.encode(text.toString());
            for (byte b : encoded) {
                assertThat(b == '\r' || b == '\n' || b == '\t' || (b >= 32 && b <= 126)).isTrue();
            }
            for (String physical : ascii(encoded).split("\r\n", -1)) {
                assertThat(physical.length()).isLessThanOrEqualTo(76);
                assertThat(physical).doesNotEndWith(" ").doesNotEndWith("\t");
            }
            String expected = text.toString().replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
            try (InputStream decoder = MimeUtility.decode(new ByteArrayInputStream(encoded), "quoted-printable")) {
                assertThat(new String(decoder.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(expected);
            }
        }
    }

    private static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
