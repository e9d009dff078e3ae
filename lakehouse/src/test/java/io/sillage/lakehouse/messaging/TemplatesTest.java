package io.sillage.lakehouse.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.automation.DefinitionProblem;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import io.sillage.lakehouse.messaging.Template.Channel;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The abandoned-cart email of the issue. */
    static final String ABANDONED_CART = """
            {
              "name": "Abandoned cart",
              "channel": "email",
              "topic": "promotions",
              "email": {
                "from": "Shop <shop@example.com>",
                "replyTo": "help@example.com",
                "subject": "{{ profile.first_name | default: 'Hey' }}, your cart is waiting",
                "html": "<p>Hello {{ profile.first_name | default: 'there' }}</p>{% if profile.loyalty_tier == 'gold' %}<p>Free shipping for you</p>{% endif %}<ul>{% for product in event.products %}<li>{{ product.name }}: {{ product.price }} EUR</li>{% endfor %}</ul>",
                "text": "Hello {{ profile.first_name | default: 'there' }}"
              }
            }""";

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        }
        catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Map<String, String> problems(String definition) {
        InvalidDefinitionException refused = catchThrowableOfType(InvalidDefinitionException.class, () -> Templates.parse(json(definition), 1));
        assertThat(refused).as("refused").isNotNull();
        Map<String, String> problems = new java.util.LinkedHashMap<>();
        for (DefinitionProblem problem : refused.problems()) {
            problems.put(problem.field(), problem.message());
        }
        return problems;
    }

    @Test
    void theAbandonedCartEmailParsesToWhatItSays() {
        Template template = Templates.parse(json(ABANDONED_CART), 3);
        assertThat(template.name()).isEqualTo("Abandoned cart");
        assertThat(template.channel()).isEqualTo(Channel.EMAIL);
        assertThat(template.topic()).isEqualTo("promotions");
        assertThat(template.version()).isEqualTo(3);
        assertThat(template.email().from()).isEqualTo("Shop <shop@example.com>");
        assertThat(template.email().replyTo()).isEqualTo("help@example.com");
        assertThat(template.email().html()).startsWith("<p>Hello");
        assertThat(template.email().mjml()).isNull();
        assertThat(template.push()).isNull();
        assertThat(template.parts()).containsOnlyKeys("email.from", "email.replyTo", "email.subject", "email.html", "email.text");
    }

    @Test
    void everyChannelParses() {
        Template push = Templates.parse(json("""
                {"name":"Back in stock","channel":"push","push":{"title":"{{ event.name }} is back","body":"Tap to see it","deepLink":"shop://p/{{ event.sku }}","image":"https://cdn.example.com/{{ event.sku }}.png"}}"""), 1);
        assertThat(push.push().deepLink()).isEqualTo("shop://p/{{ event.sku }}");
        assertThat(push.parts()).containsOnlyKeys("push.title", "push.body", "push.deepLink", "push.image");
        Template sms = Templates.parse(json("{\"name\":\"Code\",\"channel\":\"sms\",\"sms\":{\"body\":\"Your code: {{ event.code }}\"}}"), 1);
        assertThat(sms.sms().body()).isEqualTo("Your code: {{ event.code }}");
        assertThat(sms.topic()).isNull();
        Template webhook = Templates.parse(json("{\"name\":\"CRM\",\"channel\":\"webhook\",\"webhook\":{\"body\":\"{\\\"email\\\":\\\"{{ profile.email }}\\\"}\"}}"), 1);
        assertThat(webhook.webhook().body()).isEqualTo("{\"email\":\"{{ profile.email }}\"}");
        Template textOnly = Templates.parse(json("{\"name\":\"Plain\",\"channel\":\"email\",\"email\":{\"from\":\"a@example.com\",\"subject\":\"Hi\",\"text\":\"Hi\"}}"), 1);
        assertThat(textOnly.email().html()).isNull();
    }

    @Test
    void reportsEveryProblemWithItsField() {
        Map<String, String> problems = problems("""
                {"name":" ","channel":"email","topic":"Black Friday","colour":"blue","sms":{"body":"x"},
                 "email":{"from":"Shop","subject":"","font":"Arial"}}""");
        assertThat(problems).containsOnlyKeys("colour", "name", "topic", "sms", "email.font", "email.from", "email.subject", "email.html");
        assertThat(problems.get("colour")).startsWith("unknown field");
        assertThat(problems.get("sms")).isEqualTo("this is a email template: remove sms (or change channel)");
        assertThat(problems.get("email.from")).startsWith("must be an email address");
        assertThat(problems.get("email.html")).startsWith("an email needs html, mjml or text");

        assertThat(problems("{\"name\":\"x\",\"channel\":\"fax\"}")).containsOnlyKeys("channel");
        assertThat(problems("{\"name\":\"x\",\"channel\":\"sms\"}")).containsEntry("sms", "is required for a sms template, with body");
        assertThat(problems("{\"name\":\"x\",\"channel\":\"push\",\"push\":{\"title\":\"t\"}}")).containsEntry("push.body", "is required");
        assertThat(problems("[1]")).containsOnlyKeys("$");
        assertThat(problems("""
                {"name":"x","channel":"email","email":{"from":"a@example.com","subject":"s","html":"<p/>","mjml":"<mjml></mjml>"}}"""))
                .containsOnlyKeys("email.html");
    }

    @Test
    void liquidSyntaxErrorsSayLineAndColumn() {
        Map<String, String> problems = problems("""
                {"name":"Broken","channel":"email","email":{
                  "from":"shop@example.com",
                  "subject":"Hello {{ profile.first_name | }}",
                  "html":"<p>Hello</p>\\n<p>{% if profile.vip %}VIP\\n</p>",
                  "text":"Line one\\n  {% iff x %}{% endiff %}"}}""");
        assertThat(problems).containsOnlyKeys("email.subject", "email.html", "email.text");
        assertThat(problems.get("email.subject")).isEqualTo("line 1, column 7: no viable alternative at input '{{'");
        assertThat(problems.get("email.html")).startsWith("line 3, column 5: mismatched input '<EOF>'");
        assertThat(problems.get("email.text")).isEqualTo("line 2, column 6: Invalid Tag: 'iff'");
        assertThat(problems("{\"name\":\"x\",\"channel\":\"sms\",\"sms\":{\"body\":\"{% if %}{% endif %}\"}}"))
                .as("ANTLR's list of every token it expected is left out").containsEntry("sms.body", "line 1, column 7: mismatched input '%}'");
    }

    @Test
    void anUnknownFilterIsASyntaxErrorWithItsPosition() {
        Map<String, String> problems = problems("""
                {"name":"x","channel":"sms","sms":{"body":"Hi\\n {{ profile.first_name | shout }}"}}""");
        assertThat(problems).containsEntry("sms.body", "line 2, column 24: unknown filter shout");
    }

    @Test
    void mjmlIsCompiledToHtmlAtSaveWithTheLiquidKept() {
        Template template = Templates.parse(json("""
                {"name":"Welcome","channel":"email","email":{"from":"shop@example.com","subject":"Welcome",
                 "mjml":"<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{ profile.first_name | default: 'there' }}</mj-text><mj-button href=\\"{{ message.unsubscribe_url }}\\">Unsubscribe</mj-button></mj-column></mj-section><mj-raw>{% for p in event.products %}</mj-raw><mj-section><mj-column><mj-text>{{ p.name }}</mj-text></mj-column></mj-section><mj-raw>{% endfor %}</mj-raw></mj-body></mjml>"}}"""), 1);
        assertThat(template.email().mjml()).startsWith("<mjml>");
        assertThat(template.email().html())
                .startsWith("<!doctype html>")
                .contains("Hello {{ profile.first_name | default: 'there' }}")
                .contains("href=\"{{ message.unsubscribe_url }}\"")
                .contains("{% for p in event.products %}", "{% endfor %}")
                .contains("<table");
        assertThat(template.parts()).containsEntry("email.html", template.email().html()).doesNotContainKey("email.mjml");
    }

    @Test
    void mjmlProblemsAreReported() {
        assertThat(problems("""
                {"name":"x","channel":"email","email":{"from":"shop@example.com","subject":"s","mjml":"<mj-body></mj-body>"}}"""))
                .containsEntry("email.mjml", "does not compile to HTML: no root element mjml found");
        assertThat(problems("""
                {"name":"x","channel":"email","email":{"from":"shop@example.com","subject":"s","mjml":"<mjml><mj-body>\\n{% if x %}</mj-body></mjml>"}}"""))
                .as("Liquid errors point into the MJML the marketer wrote").hasEntrySatisfying("email.mjml", message -> assertThat(message).startsWith("line 2, column"));
    }
}
