package io.sillage.lakehouse.messaging;

import static io.sillage.lakehouse.messaging.TemplatesTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class CompiledTemplateTest {
    private static final Personalization.Message MESSAGE = new Personalization.Message("msg_1", "https://t.example.com/u/msg_1");

    private static Personalization person(String traits, String event) {
        return Personalization.of(json("{\"traits\":" + traits + ",\"computed\":{\"orderCount\":3,\"revenue\":120.5}}"),
                event == null ? null : json(event), MESSAGE);
    }

    private static CompiledTemplate compile(String definition) {
        return CompiledTemplate.compile(Templates.parse(json(definition), 1));
    }

    private static Template rendered(Rendering rendering) {
        assertThat(rendering).as(String.valueOf(rendering)).isInstanceOf(Rendering.Rendered.class);
        return ((Rendering.Rendered) rendering).message();
    }

    private static Rendering.Failed failed(Rendering rendering) {
        assertThat(rendering).isInstanceOf(Rendering.Failed.class);
        return (Rendering.Failed) rendering;
    }

    private static String sms(String body) {
        ObjectNode definition = new ObjectMapper().createObjectNode().put("name", "t").put("channel", "sms");
        definition.putObject("sms").put("body", body);
        return definition.toString();
    }

    private static String renderSms(String body, Personalization person, Snippets snippets) {
        return rendered(compile(sms(body)).render(person, snippets)).sms().body();
    }

    @Test
    void rendersTheAbandonedCartForOnePerson() {
        CompiledTemplate cart = compile(TemplatesTest.ABANDONED_CART);
        Template gold = rendered(cart.render(person("{\"first_name\":\"Jane\",\"loyalty_tier\":\"gold\"}",
                "{\"products\":[{\"name\":\"Boots\",\"price\":89.9},{\"name\":\"Bag\",\"price\":45}]}"), Snippets.NONE));
        assertThat(gold.email().subject()).isEqualTo("Jane, your cart is waiting");
        assertThat(gold.email().html()).isEqualTo("<p>Hello Jane</p><p>Free shipping for you</p><ul><li>Boots: 89.9 EUR</li><li>Bag: 45 EUR</li></ul>");
        assertThat(gold.email().text()).isEqualTo("Hello Jane");
        assertThat(gold.email().from()).isEqualTo("Shop <shop@example.com>");
        assertThat(gold.name()).isEqualTo("Abandoned cart");
        assertThat(gold.version()).isEqualTo(1);

        Template anonymous = rendered(cart.render(person("{}", null), Snippets.NONE));
        assertThat(anonymous.email().subject()).as("missing value with a default").isEqualTo("Hey, your cart is waiting");
        assertThat(anonymous.email().html()).as("no conditional block, an empty loop").isEqualTo("<p>Hello there</p><ul></ul>");
    }

    @Test
    void missingValuesRenderEmptyAndDefaultsFillThem() {
        Personalization nobody = person("{\"first_name\":\"\",\"vip\":false}", null);
        assertThat(renderSms("[{{ profile.last_name }}][{{ event.nothing.deeper }}]", nobody, Snippets.NONE)).isEqualTo("[][]");
        assertThat(renderSms("{{ profile.first_name | default: 'there' }} {{ profile.vip | default: 'no' }} {{ profile.city | default: 'Paris' }}", nobody, Snippets.NONE))
                .as("default replaces nil, false and empty").isEqualTo("there no Paris");
    }

    @Test
    void conditionalsLoopsAndComputedFields() {
        Personalization jane = person("{\"first_name\":\"Jane\",\"country\":\"FR\"}", "{\"products\":[{\"name\":\"A\",\"qty\":2},{\"name\":\"B\",\"qty\":1}],\"total\":30}");
        assertThat(renderSms("{% if profile.country == 'FR' %}Bonjour{% elsif profile.country == 'DE' %}Hallo{% else %}Hello{% endif %}", jane, Snippets.NONE))
                .isEqualTo("Bonjour");
        assertThat(renderSms("{% unless profile.computed.orderCount > 5 %}new{% endunless %} {{ profile.computed.revenue | round }}", jane, Snippets.NONE))
                .isEqualTo("new 121");
        assertThat(renderSms("{% for p in event.products %}{{ forloop.index }}.{{ p.name }}x{{ p.qty }}{% unless forloop.last %}, {% endunless %}{% endfor %} ({{ event.products | size }})", jane, Snippets.NONE))
                .isEqualTo("1.Ax2, 2.Bx1 (2)");
        assertThat(renderSms("{% for p in event.nothing %}x{% else %}none{% endfor %}", jane, Snippets.NONE)).isEqualTo("none");
        assertThat(renderSms("{{ message.id }} {{ message.unsubscribe_url }}", jane, Snippets.NONE)).isEqualTo("msg_1 https://t.example.com/u/msg_1");
    }

    @Test
    void personalizedValuesAreEscapedInTheHtmlPartOnly() {
        CompiledTemplate email = compile("""
                {"name":"t","channel":"email","email":{"from":"shop@example.com","subject":"Hi {{ profile.first_name }}",
                 "html":"<p title=\\"{{ profile.first_name }}\\">Hi {{ profile.first_name }}</p><a href=\\"{{ message.unsubscribe_url }}\\">x</a>",
                 "text":"Hi {{ profile.first_name }}"}}""");
        Personalization attacker = person("{\"first_name\":\"<script>alert('x')</script> & \\\"co\\\"\"}", null);
        Template message = rendered(email.render(attacker, Snippets.NONE));
        assertThat(message.email().html()).isEqualTo("<p title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;\">"
                + "Hi &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;</p><a href=\"https://t.example.com/u/msg_1\">x</a>");
        assertThat(message.email().text()).isEqualTo("Hi <script>alert('x')</script> & \"co\"");
        assertThat(message.email().subject()).isEqualTo("Hi <script>alert('x')</script> & \"co\"");
        assertThat(renderSms("{{ profile.first_name }}", attacker, Snippets.NONE)).isEqualTo("<script>alert('x')</script> & \"co\"");
        assertThat(rendered(compile("""
                {"name":"t","channel":"push","push":{"body":"{{ profile.first_name }}"}}""").render(attacker, Snippets.NONE)).push().body())
                .isEqualTo("<script>alert('x')</script> & \"co\"");
    }

    @Test
    void htmlEscapingKeepsEntitiesAndNumbersAndRawOptsOut() {
        CompiledTemplate email = compile("""
                {"name":"t","channel":"email","email":{"from":"shop@example.com","subject":"s",
                 "html":"{{ profile.name | escape }}|{{ profile.brand }}|{{ profile.computed.revenue }}|{{ event.url | url_encode }}|{% capture card %}<b>{{ profile.name }}</b>{% endcapture %}{{ card | raw }}|{{ card }}|{{ '<i>' }}"}}""");
        Template message = rendered(email.render(person("{\"name\":\"<Tom>\",\"brand\":\"AT&amp;T\"}", "{\"url\":\"a&b\"}"), Snippets.NONE));
        assertThat(message.email().html()).isEqualTo("&lt;Tom&gt;|AT&amp;T|120.5|a%26b|<b>&lt;Tom&gt;</b>|&lt;b&gt;&lt;Tom&gt;&lt;/b&gt;|&lt;i&gt;");
    }

    @Test
    void headerValuesLoseTheirLineBreaks() {
        CompiledTemplate email = compile("""
                {"name":"t","channel":"email","email":{"from":"{{ profile.sender }} <shop@example.com>","subject":"Hi {{ profile.first_name }}","text":"a\\n{{ profile.first_name }}"}}""");
        Template message = rendered(email.render(person("{\"first_name\":\"Jane\\r\\nBcc: all@example.com\",\"sender\":\"Shop\\n\"}", null), Snippets.NONE));
        assertThat(message.email().subject()).isEqualTo("Hi Jane Bcc: all@example.com");
        assertThat(message.email().from()).isEqualTo("Shop <shop@example.com>");
        assertThat(message.email().text()).isEqualTo("a\nJane\r\nBcc: all@example.com");
    }

    @Test
    void webhookBodiesEscapeValuesAsJsonAndMustBeJson() {
        CompiledTemplate webhook = compile("""
                {"name":"t","channel":"webhook","webhook":{"body":"{\\"name\\":\\"{{ profile.first_name }}\\",\\"orders\\":{{ profile.computed.orderCount }},\\"vip\\":{{ profile.vip }},\\"tags\\":{{ event.tags | json | raw }}}"}}""");
        Template message = rendered(webhook.render(person("{\"first_name\":\"Jane \\\"JJ\\\" \\\\ <b>\\n\",\"vip\":true}", "{\"tags\":[\"a\",\"<b>\"]}"), Snippets.NONE));
        assertThat(json(message.webhook().body())).isEqualTo(json("{\"name\":\"Jane \\\"JJ\\\" \\\\ <b>\\n\",\"orders\":3,\"vip\":true,\"tags\":[\"a\",\"<b>\"]}"));

        Rendering.Failed broken = failed(webhook.render(person("{\"first_name\":\"Jane\"}", null), Snippets.NONE));
        assertThat(broken.field()).isEqualTo("webhook.body");
        assertThat(broken.reason()).startsWith("the rendered body is not JSON: ");
    }

    @Test
    void snippetsAreIncludedWithTheVariablesAndTheEscapingOfThePart() {
        Snippets snippets = Snippets.of(Map.of(
                "footer", "<p>Bye {{ profile.first_name }} - <a href=\"{{ message.unsubscribe_url }}\">unsubscribe</a></p>",
                "card", "[{{ card.name }}]",
                "signature", "The shop team"));
        CompiledTemplate email = compile("""
                {"name":"t","channel":"email","email":{"from":"shop@example.com","subject":"s",
                 "html":"<p>Hi</p>{% include 'footer' %}{% for p in event.products %}{% include 'card' with p %}{% endfor %}",
                 "text":"Hi\\n{% include 'signature' %} {% include 'footer' %}"}}""");
        Template message = rendered(email.render(person("{\"first_name\":\"<Jo>\"}", "{\"products\":[{\"name\":\"A&B\"},{\"name\":\"C\"}]}"), snippets));
        assertThat(message.email().html()).isEqualTo("<p>Hi</p><p>Bye &lt;Jo&gt; - <a href=\"https://t.example.com/u/msg_1\">unsubscribe</a></p>[A&amp;B][C]");
        assertThat(message.email().text()).isEqualTo("Hi\nThe shop team <p>Bye <Jo> - <a href=\"https://t.example.com/u/msg_1\">unsubscribe</a></p>");
    }

    @Test
    void renderingErrorsAreTypedFailuresNeverHalfAMessage() {
        Personalization jane = person("{\"first_name\":\"Jane\"}", "{\"total\":10,\"products\":[1,2]}");
        CompiledTemplate email = compile("""
                {"name":"t","channel":"email","email":{"from":"shop@example.com","subject":"Hi {{ profile.first_name }}",
                 "html":"<p>ok</p>\\n<p>{{ event.total | divided_by: 0 }}</p>","text":"never rendered"}}""");
        Rendering.Failed division = failed(email.render(jane, Snippets.NONE));
        assertThat(division.field()).isEqualTo("email.html");
        assertThat(division.reason()).isEqualTo("line 2, column 19: / by zero");

        Rendering.Failed missing = failed(compile(sms("Hi {% include 'gone' %}")).render(jane, Snippets.NONE));
        assertThat(missing).hasToString("sms.body: no snippet is named 'gone' in this project");

        Snippets broken = Snippets.of(Map.of("bad", "{% if x %}", "zero", "{{ 1 | divided_by: 0 }}", "loop", "{% include 'loop' %}", "outer", "{% include 'bad' %}"));
        assertThat(failed(compile(sms("{% include 'bad' %}")).render(jane, broken)).reason())
                .isEqualTo("snippet 'bad' does not compile: line 1, column 11: mismatched input '<EOF>' expecting TagStart");
        assertThat(failed(compile(sms("{% include 'zero' %}")).render(jane, broken)).reason()).isEqualTo("in snippet 'zero': line 1, column 6: / by zero");
        assertThat(failed(compile(sms("{% include 'outer' %}")).render(jane, broken)).reason()).startsWith("in snippet 'outer': snippet 'bad' does not compile");
        assertThat(failed(compile(sms("{% include 'loop' %}")).render(jane, broken)).reason()).endsWith("snippets include snippets more than 10 deep (does 'loop' include itself?)");
        assertThat(failed(compile(sms("{% for i in (1..200000) %}{% endfor %}")).render(jane, Snippets.NONE)).reason()).isEqualTo("loops ran more than 100000 iterations");
        assertThat(failed(compile(sms("{% for i in (1..90000) %}0123456789012{% endfor %}")).render(jane, Snippets.NONE)).reason())
                .isEqualTo("the rendered text is over 1048576 characters");
    }

    @Test
    void snippetsAreCheckedBeforeTheyAreStored() {
        Snippets.check("footer", "<p>{{ profile.first_name }}</p>");
        assertThatThrownBy(() -> Snippets.check("Footer!", "{% if %}"))
                .isInstanceOfSatisfying(InvalidDefinitionException.class, e -> {
                    assertThat(e.problems()).extracting(problem -> problem.field()).containsExactly("name", "source");
                    assertThat(e.problems().get(1).message()).startsWith("line 1, column");
                });
    }

    @Test
    void compilingAHandMadeTemplateReportsItsSyntaxErrors() {
        Template bad = new Template("t", Template.Channel.SMS, null, 1, null, null, new Template.Sms("{{ x | }}"), null);
        assertThatThrownBy(() -> CompiledTemplate.compile(bad)).isInstanceOf(InvalidDefinitionException.class).hasMessageStartingWith("sms.body: line 1, column 1");
    }

    @Test
    void oneCompiledTemplateRendersForManyPeopleAtOnce() throws Exception {
        CompiledTemplate email = compile(TemplatesTest.ABANDONED_CART);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> checks = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String name = "person" + t;
                checks.add(threads.submit(() -> {
                    Personalization person = person("{\"first_name\":\"" + name + "\"}", "{\"products\":[{\"name\":\"" + name + "\",\"price\":1}]}");
                    for (int i = 0; i < 300; i++) {
                        Template message = rendered(email.render(person, Snippets.NONE));
                        if (!message.email().html().equals("<p>Hello " + name + "</p><ul><li>" + name + ": 1 EUR</li></ul>")) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> check : checks) {
                assertThat(check.get()).isTrue();
            }
        }
        finally {
            threads.shutdownNow();
        }
    }
}
