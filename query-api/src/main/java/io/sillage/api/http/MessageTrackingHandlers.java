package io.sillage.api.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sillage.api.projects.WriteKeyOwner;
import io.sillage.api.tracking.MessageFeedback;
import io.sillage.api.tracking.SparkPostEvents;
import io.sillage.api.tracking.WriteKeys;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.messaging.tracking.TrackedMessage;
import io.sillage.lakehouse.messaging.tracking.TrackingLinks;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes recipients reach from a message (open pixel, click redirect, unsubscribe page and RFC 8058 one-click
 * unsubscribe), whose credential is the signed token in the URL, and the provider event webhooks, authenticated with
 * the project's write key. What they record is in {@link MessageFeedback}.
 *
 * <p>A bad or tampered token answers 400: an HTML page to a browser, problem+json otherwise; a click never redirects
 * to a target its signature does not cover. Logs name messages by id, never a person or a URL.
 */
public class MessageTrackingHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(MessageTrackingHandlers.class);
    /** The 43-byte transparent 1x1 GIF. */
    static final byte[] PIXEL = {
            'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, (byte) 0x80, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0,
            '!', (byte) 0xf9, 4, 1, 0, 0, 0, 0, ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 'D', 1, 0, ';'};
    private static final int MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

    private final Optional<TrackingLinks> links;
    private final MessageFeedback feedback;
    private final WriteKeys writeKeys;

    /** @param links the tracking links' secret; empty when tracking is not configured (the token routes answer 404) */
    public MessageTrackingHandlers(Optional<TrackingLinks> links, MessageFeedback feedback, WriteKeys writeKeys) {
        this.links = requireNonNull(links, "links is null");
        this.feedback = requireNonNull(feedback, "feedback is null");
        this.writeKeys = requireNonNull(writeKeys, "writeKeys is null");
    }

    /** {@code GET /t/o/{token}}: the open pixel; records {@code Email Opened}. */
    public void open(Context ctx) {
        TrackedMessage message = verified(ctx, trackingLinks(ctx).verify(ctx.pathParam("token")));
        if (message == null) {
            return;
        }
        recordQuietly(message, MessageFeedback.EMAIL_OPENED, "opened", null);
        ctx.header("Cache-Control", "no-store, no-cache, must-revalidate, private");
        ctx.status(200).contentType("image/gif").result(PIXEL);
    }

    /** {@code GET /t/c/{token}?u=&s=}: 302 to the signed target; records {@code Email Link Clicked} with {@code url}. */
    public void click(Context ctx) {
        String target = ctx.queryParam("u");
        TrackedMessage message = verified(ctx, trackingLinks(ctx).verifyClick(ctx.pathParam("token"), target, ctx.queryParam("s")));
        if (message == null) {
            return;
        }
        ObjectNode properties = SegmentEvents.mapper().createObjectNode().put("url", target);
        recordQuietly(message, MessageFeedback.EMAIL_LINK_CLICKED, "clicked", properties);
        ctx.header("Cache-Control", "no-store");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.status(302).header("Location", target);
    }

    /** {@code GET /t/u/{token}}: the confirmation page. Nothing changes on a GET (link scanners follow links). */
    public void unsubscribePage(Context ctx) {
        if (verified(ctx, trackingLinks(ctx).verify(ctx.pathParam("token"))) == null) {
            return;
        }
        html(ctx, 200, "Unsubscribe", "<h1>Unsubscribe</h1><p>Stop receiving these emails?</p>"
                + "<form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>");
    }

    /**
     * {@code POST /t/u/{token}}: the page's button, or a mail client's RFC 8058 one-click POST
     * ({@code List-Unsubscribe=One-Click}). Publishes {@code Subscription Changed} (status {@code unsubscribed}, source
     * {@code unsubscribe_link}); repeating it changes nothing more.
     */
    public void unsubscribe(Context ctx) {
        TrackedMessage message = verified(ctx, trackingLinks(ctx).verify(ctx.pathParam("token")));
        if (message == null) {
            return;
        }
        ObjectNode properties = SegmentEvents.mapper().createObjectNode()
                .put("status", "unsubscribed")
                .put("source", "unsubscribe_link");
        boolean recorded;
        try {
            recorded = feedback.record(new MessageFeedback.Fact(message.projectId(), MessageFeedback.LINKS_SOURCE, MessageFeedback.SUBSCRIPTION_CHANGED,
                    "unsubscribed", message, properties, null, null, null));
        }
        catch (RuntimeException e) {
            LOG.warn("Cannot record the unsubscribe of message {} yet: {}", message.messageId(), e.getMessage());
            ctx.header("Retry-After", "60");
            html(ctx, 503, "Please try again", "<h1>Please try again</h1><p>We could not record your request just now. Please try again in a minute.</p>");
            return;
        }
        if (!recorded) {
            // the profile is gone from the store (erased): it receives nothing anyway
            LOG.info("Unsubscribe of message {}: its profile is no longer in the serving store", message.messageId());
        }
        html(ctx, 200, "You are unsubscribed", "<h1>You are unsubscribed</h1><p>You will no longer receive these emails.</p>");
    }

    /**
     * {@code POST /v1/providers/sparkpost/events}: SparkPost's event webhook, with the project's write key as the Basic
     * auth user. Answers {@code {"accepted": n, "ignored": m}}.
     */
    public void sparkPostEvents(Context ctx) {
        String writeKey = TrackingHandlers.basicAuthUser(ctx.header("Authorization")).orElseThrow(() -> new ProblemException(ProblemType.UNAUTHORIZED,
                "no write key: configure the webhook with Basic authentication, the project's write key as the user name"));
        WriteKeyOwner owner = writeKeys.find(writeKey).orElseThrow(() -> new ProblemException(ProblemType.UNAUTHORIZED, "unknown write key"));
        List<MessageFeedback.Fact> facts = SparkPostEvents.read(RequestBodies.readJson(ctx, MAX_WEBHOOK_BYTES), owner.projectId());
        int accepted = 0;
        for (MessageFeedback.Fact fact : facts) {
            if (feedback.record(fact)) {
                accepted++;
            }
        }
        ObjectNode answer = SegmentEvents.mapper().createObjectNode();
        answer.put("accepted", accepted);
        answer.put("ignored", facts.size() - accepted);
        ctx.status(200).json(answer);
    }

    private TrackingLinks trackingLinks(Context ctx) {
        return links.orElseThrow(() -> new ProblemException(ProblemType.NOT_FOUND,
                "email tracking is not configured on this server (messaging.tracking-url, messaging.tracking-secret)"));
    }

    /** The message, or null once a rejection has been answered. */
    private static TrackedMessage verified(Context ctx, TrackingLinks.Verification verification) {
        if (verification instanceof TrackingLinks.Verification.Verified verified) {
            return verified.message();
        }
        String reason = ((TrackingLinks.Verification.Rejected) verification).reason();
        if (wantsHtml(ctx)) {
            html(ctx, 400, "Invalid link", "<h1>This link is not valid</h1><p>It may have been cut or changed. "
                    + "Please use the link from the email as it arrived.</p>");
        }
        else {
            SillageApp.problem(ctx, new ProblemException(ProblemType.INVALID_TRACKING_LINK, reason));
        }
        return null;
    }

    /** Opens and clicks are recorded best effort: when that fails, the person still gets the image or the page. */
    private void recordQuietly(TrackedMessage message, String event, String status, ObjectNode properties) {
        try {
            feedback.record(new MessageFeedback.Fact(message.projectId(), MessageFeedback.LINKS_SOURCE, event, status, message, properties, null, null, null));
        }
        catch (RuntimeException e) {
            LOG.warn("Cannot record {} of message {}: {}", event, message.messageId(), e.getMessage());
        }
    }

    private static boolean wantsHtml(Context ctx) {
        String accept = ctx.header("Accept");
        return accept != null && accept.contains("text/html");
    }

    private static void html(Context ctx, int status, String title, String body) {
        ctx.header("Cache-Control", "no-store");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
        ctx.status(status).contentType("text/html; charset=utf-8").result("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + title + "</title>"
                + "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}"
                + "button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.3rem;border:1px solid #444;background:#222;color:#fff;cursor:pointer}</style>"
                + "</head><body>" + body + "</body></html>");
    }
}
