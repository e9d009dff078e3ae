package io.sillage.lakehouse.messaging;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liqp.TemplateContext;
import liqp.TemplateParser;
import liqp.exceptions.ExceededMaxIterationsException;
import liqp.exceptions.LiquidException;
import liqp.filters.Filter;
import liqp.nodes.LNode;
import liqp.org.antlr.v4.runtime.CommonToken;
import liqp.org.antlr.v4.runtime.Token;
import liqp.org.antlr.v4.runtime.tree.ParseTree;
import liqp.org.antlr.v4.runtime.tree.TerminalNodeImpl;
import liqp.parser.Flavor;
import liqp.parser.v4.NodeVisitor;
import liqp.tags.Include;
import liquid.parser.v4.LiquidLexer;
import liquid.parser.v4.LiquidParser;

/**
 * The Liquid dialect of templates and snippets, on liqp: Shopify Liquid tags and filters, strict parsing, the
 * project's snippets through {@code include}, escaping of outputs for the part they land in, and limits that
 * keep one template from exhausting a sender.
 *
 * <p>Escaping: liqp has no autoescape, so {@link #compile} adds a last filter to every output ({@code {{ }}}) of
 * the parse tree: personalized values are escaped, the template's own markup is not, and error positions stay those
 * of the source. The escape leaves entities alone (like {@code escape_once}), so {@code | escape} in a template is
 * not escaped twice; {@code | raw} opts out.
 *
 * <p>liqp's own render turns the parse tree into a tree of nodes at every call (most of a render's time, for a
 * realistic email) and keeps its last context in a field of the template. {@link #compile} builds the node tree
 * once, and {@link #render} renders it in a context of its own, as liqp's render does after building it. The
 * nodes keep no state between renders (loop and cycle state lives in the context), so a compiled template is
 * rendered by several threads at once.
 */
final class Liquid {
    /** Loop iterations of one render. */
    static final int MAX_ITERATIONS = 100_000;
    /** Characters of one rendered part. */
    static final int MAX_RENDERED_CHARS = 1 << 20;
    /** Snippets including snippets, at most this deep. */
    static final int MAX_INCLUDE_DEPTH = 10;

    private static final String SCOPE = "sillage.render-scope";
    private static final Pattern PARSER_ERROR = Pattern.compile("parser error \"(.*)\" on line \\d+, index \\d+", Pattern.DOTALL);
    private static final Pattern NODE_ERROR = Pattern.compile("error on line (\\d+), index (\\d+): (.*)", Pattern.DOTALL);

    /** How outputs are escaped in a part. */
    enum Escaping {
        /** Plain text: subjects, text parts, SMS, push. */
        NONE(null),
        /** HTML parts: {@code & < > " '} become entities (existing entities are kept). */
        HTML(new AutoEscape("(escape html)", Liquid::escapeHtml)),
        /** JSON documents: values are escaped as the inside of a JSON string; numbers and booleans are left as they are. */
        JSON(new AutoEscape("(escape json)", text -> new String(JsonStringEncoder.getInstance().quoteAsString(text))));

        /** The filter added to every output; its name cannot be written in a template. */
        private final AutoEscape filter;

        Escaping(AutoEscape filter) {
            this.filter = filter;
        }
    }

    private static final TemplateParser PARSER = new TemplateParser.Builder()
            .withFlavor(Flavor.LIQUID)
            .withErrorMode(TemplateParser.ErrorMode.STRICT)
            .withStrictVariables(false)
            .withTag(new SnippetInclude())
            .withFilter(new RawFilter())
            .withFilter(Escaping.HTML.filter)
            .withFilter(Escaping.JSON.filter)
            .withMaxIterations(MAX_ITERATIONS)
            .withMaxSizeRenderedString(MAX_RENDERED_CHARS)
            .build();

    private Liquid() {}

    /** A compiled template: liqp's template, and the node tree it renders. */
    record Compiled(liqp.Template template, LNode root) {}

    /**
     * Parses {@code source}, checks that every tag and filter exists, and builds the nodes to render.
     *
     * @throws SyntaxException whose message says where ({@code line 3, column 12: ...}, both from 1)
     */
    static Compiled compile(String source, Escaping escaping) {
        liqp.Template template;
        try {
            template = PARSER.parse(source);
        }
        catch (LiquidException e) {
            Matcher detail = PARSER_ERROR.matcher(e.getMessage());
            String what = detail.matches() ? detail.group(1) : e.getMessage();
            int expecting = what.indexOf(" expecting {");
            if (expecting >= 0 && what.length() - expecting > 80) {
                what = what.substring(0, expecting); // ANTLR lists every token it could take: dozens
            }
            throw new SyntaxException("line " + e.line + ", column " + (e.charPositionInLine + 1) + ": " + what);
        }
        if (escaping.filter != null) {
            escapeOutputs(template.getParseTree(), escaping.filter.name);
        }
        try {
            // filters are looked up as the parse tree turns into nodes
            return new Compiled(template, (LNode) new NodeVisitor(PARSER.insertions, PARSER.filters, PARSER.liquidStyleInclude).visit(template.getParseTree()));
        }
        catch (RuntimeException e) {
            throw new SyntaxException(position(e.getMessage()).replace("no filter available named: |", "unknown filter "));
        }
    }

    /**
     * Renders a compiled template; whatever goes wrong (an error of a filter, a missing snippet, a limit) is
     * thrown, never half a text.
     *
     * @throws RenderException saying what went wrong, and where when liqp tells
     */
    static String render(Compiled compiled, Map<String, Object> variables, Snippets snippets, Escaping escaping) {
        TemplateContext root = new TemplateContext(compiled.template(), PARSER, new HashMap<>());
        root.getEnvironmentMap().put(SCOPE, new Scope(snippets, escaping));
        try {
            return String.valueOf(render(compiled, root, variables));
        }
        catch (RuntimeException e) {
            throw new RenderException(reason(e));
        }
    }

    /** What liqp's {@code renderToObjectUnguarded(variables, parent, ...)} does once it has the nodes. */
    private static Object render(Compiled compiled, TemplateContext parent, Map<String, Object> variables) {
        TemplateContext context = parent.newChildContext(PARSER.evaluate(PARSER.mapper, new HashMap<>(variables)));
        return PARSER.getRenderTransformer().transformObject(context, compiled.root().render(context));
    }

    /** What went wrong in a render, in the marketer's terms. */
    private static String reason(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof RenderException known) {
                return known.getMessage();
            }
            if (cause instanceof ExceededMaxIterationsException) {
                return "loops ran more than " + MAX_ITERATIONS + " iterations";
            }
        }
        String message = failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
        if (message.startsWith("rendered string exceeds")) {
            return "the rendered text is over " + MAX_RENDERED_CHARS + " characters";
        }
        return position(message);
    }

    /** liqp's {@code error on line 3, index 11: what} as {@code line 3, column 12: what}. */
    private static String position(String message) {
        Matcher error = NODE_ERROR.matcher(message == null ? "" : message);
        return error.matches() ? "line " + error.group(1) + ", column " + (Integer.parseInt(error.group(2)) + 1) + ": " + error.group(3) : String.valueOf(message);
    }

    /** Appends {@code | filter} to every output of the tree, positioned at the output's end for error messages. */
    private static void escapeOutputs(ParseTree node, String filter) {
        if (node instanceof LiquidParser.OutputContext output) {
            Token end = output.OutEnd().getSymbol();
            CommonToken name = new CommonToken(LiquidLexer.Id, filter);
            name.setLine(end.getLine());
            name.setCharPositionInLine(end.getCharPositionInLine());
            LiquidParser.FilterContext escape = new LiquidParser.FilterContext(output, output.invokingState);
            escape.start = name;
            escape.stop = name;
            escape.addChild(new TerminalNodeImpl(name));
            output.children.add(output.children.size() - 1, escape); // before OutEnd
            return;
        }
        for (int i = 0; i < node.getChildCount(); i++) {
            escapeOutputs(node.getChild(i), filter);
        }
    }

    /**
     * Escapes {@code & < > " '} as entities, keeping an {@code &} that already starts an entity or a character
     * reference ({@code &amp;}, {@code &#39;}, {@code &#x2F;}). A scan by hand: the same rule as a regular expression
     * tried at every character took a fifth of the activation job's CPU in the messaging benchmark.
     */
    static String escapeHtml(String text) {
        int length = text.length();
        int first = 0;
        while (first < length && !escaped(text, first)) {
            first++;
        }
        if (first == length) {
            return text;
        }
        StringBuilder escaped = new StringBuilder(length + 16).append(text, 0, first);
        for (int i = first; i < length; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                case '&' -> escaped.append(startsReference(text, i) ? "&" : "&amp;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private static boolean escaped(String text, int i) {
        char c = text.charAt(i);
        return c == '<' || c == '>' || c == '"' || c == '\'' || c == '&' && !startsReference(text, i);
    }

    /** Whether the {@code &} at {@code ampersand} starts {@code &name;}, {@code &#123;} or {@code &#x1F;}. */
    private static boolean startsReference(String text, int ampersand) {
        int length = text.length();
        int i = ampersand + 1;
        if (i < length && text.charAt(i) == '#') {
            i++;
            boolean hex = i < length && (text.charAt(i) == 'x' || text.charAt(i) == 'X');
            if (hex) {
                i++;
            }
            int digits = i;
            while (i < length && (hex ? isHexDigit(text.charAt(i)) : isAsciiDigit(text.charAt(i)))) {
                i++;
            }
            return i > digits && i < length && text.charAt(i) == ';';
        }
        if (i >= length || !isAsciiLetter(text.charAt(i))) {
            return false;
        }
        while (i < length && (isAsciiLetter(text.charAt(i)) || isAsciiDigit(text.charAt(i)))) {
            i++;
        }
        return i < length && text.charAt(i) == ';';
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return isAsciiDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    /** A Liquid source that does not compile; the message says where and why. */
    static final class SyntaxException extends RuntimeException {
        SyntaxException(String message) {
            super(message);
        }
    }

    /** A render that failed; the message says why. */
    static final class RenderException extends RuntimeException {
        RenderException(String message) {
            super(message);
        }
    }

    /** A value {@code | raw} exempted from escaping. */
    private record RawText(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** {@code {{ value | raw }}}: output as is in an HTML or JSON part (use it last). */
    private static final class RawFilter extends Filter {
        RawFilter() {
            super("raw");
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            return new RawText(asString(value, context));
        }
    }

    /** The last filter of every output in an escaped part. */
    private static final class AutoEscape extends Filter {
        private final UnaryOperator<String> escape;

        AutoEscape(String name, UnaryOperator<String> escape) {
            super(name);
            this.escape = escape;
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            if (value instanceof RawText raw) {
                return raw.text();
            }
            if (value == null || value instanceof Number || value instanceof Boolean) {
                return value; // rendered by liqp as usual: nothing to escape
            }
            return escape.apply(asString(value, context));
        }
    }

    /** What a render needs besides variables, kept in liqp's environment (which templates cannot read). */
    private static final class Scope {
        private final Snippets snippets;
        private final Escaping escaping;
        private int depth;

        Scope(Snippets snippets, Escaping escaping) {
            this.snippets = snippets;
            this.escaping = escaping;
        }
    }

    /**
     * {@code {% include 'name' %}} and {@code {% include 'name' with value %}} (the value is then the variable
     * {@code name}) of the project's snippets, compiled once with the escaping of the part including them.
     */
    private static final class SnippetInclude extends Include {
        @Override
        public Object render(TemplateContext context, LNode... nodes) {
            String name = asString(nodes[0].render(context), context);
            Scope scope = (Scope) context.getEnvironmentMap().get(SCOPE);
            Compiled snippet = scope.snippets.template(name, scope.escaping);
            if (scope.depth >= MAX_INCLUDE_DEPTH) {
                throw new RenderException("snippets include snippets more than " + MAX_INCLUDE_DEPTH + " deep (does '" + name + "' include itself?)");
            }
            if (nodes.length > 1) {
                context.put(name, nodes[1].render(context));
            }
            scope.depth++;
            try {
                return Liquid.render(snippet, context, Map.of());
            }
            catch (RuntimeException e) {
                throw new RenderException("in snippet '" + name + "': " + reason(e));
            }
            finally {
                scope.depth--;
            }
        }
    }
}
