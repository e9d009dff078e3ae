package io.sillage.jobs.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.messaging.Rendering;
import io.sillage.lakehouse.messaging.connector.Connector;
import io.sillage.lakehouse.messaging.connector.ConnectorConfig;
import io.sillage.lakehouse.messaging.connector.ConnectorConfigs;
import io.sillage.lakehouse.messaging.connector.DeliveryResult;
import io.sillage.lakehouse.messaging.connector.OutboundMessage;
import io.sillage.lakehouse.messaging.connector.RateLimiter;
import io.sillage.lakehouse.messaging.connector.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send, as Flink async I/O ({@code AsyncDataStream.unorderedWait}): one attempt per element, never waiting on
 * the operator thread. Per project and channel, a <em>lane</em>: the connector opened from the configuration the
 * message was routed with (one instance per configuration version), its rate limiter, its retry policy, and its own
 * threads with at most {@code concurrency} attempts in flight. A message whose lane is full or rate limited is not
 * queued behind it: it comes back at once as {@link SendResult#DEFERRED} and waits in keyed state
 * ({@link DeliveryOutcomes}), so a slow or failing provider fills its own lane, never the operator's capacity, and
 * the other connectors keep sending.
 *
 * <p>An attempt: claim it in the {@link SendLog} (a message already sent or failed is not sent again; one whose
 * previous attempt may still be running waits), call the connector, record the answer in the log, and report it:
 * sent, failed, retry at the time the connector's {@link RetryPolicy} gives, or dead letter after its last attempt.
 */
public class SendFunction extends RichAsyncFunction<Delivery, SendResult> {
    private static final Logger LOG = LoggerFactory.getLogger(SendFunction.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How often recording an outcome in the send log is tried before giving up (the outcome stands). */
    private static final int RECORD_TRIES = 3;

    private final SendLog.Factory sendLogs;
    private final long sendTimeoutMillis;
    private final int concurrency;
    private final long busyDelayMillis;

    private transient SendLog log;
    /** By project and channel; used on the operator thread only. */
    private transient Map<String, Lane> lanes;
    private transient List<Lane> retired;

    /**
     * @param sendTimeoutMillis the longest an attempt takes (the async operator's timeout too); a send log row
     *                          {@code pending} for longer belongs to an attempt whose outcome is unknown
     * @param concurrency       attempts in flight per connector
     * @param busyDelayMillis   how long a message waits when its connector has {@code concurrency} attempts in flight
     */
    public SendFunction(SendLog.Factory sendLogs, long sendTimeoutMillis, int concurrency, long busyDelayMillis) {
        this.sendLogs = sendLogs;
        this.sendTimeoutMillis = sendTimeoutMillis;
        this.concurrency = concurrency;
        this.busyDelayMillis = busyDelayMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        log = sendLogs.open();
        lanes = new HashMap<>();
        retired = new ArrayList<>();
    }

    @Override
    public void asyncInvoke(Delivery delivery, ResultFuture<SendResult> result) {
        long now = System.currentTimeMillis();
        closeIdleRetiredLanes();
        Lane lane;
        try {
            lane = lane(delivery);
        }
        catch (Exception e) {
            result.complete(List.of(SendResult.of(delivery, SendResult.FAILED, "the " + delivery.channel + " connector configuration does not validate", now)));
            return;
        }
        if (!lane.permits.tryAcquire()) {
            result.complete(List.of(SendResult.of(delivery, SendResult.DEFERRED, "connector busy", now).notBefore(now + busyDelayMillis)));
            return;
        }
        Duration wait = lane.limiter.tryAcquire();
        if (!wait.isZero()) {
            lane.permits.release();
            result.complete(List.of(SendResult.of(delivery, SendResult.DEFERRED, "rate limited", now).notBefore(now + Math.max(1, wait.toMillis()))));
            return;
        }
        CompletableFuture.supplyAsync(() -> attempt(delivery, lane), lane.executor).whenComplete((outcome, failure) -> {
            lane.permits.release();
            if (outcome != null) {
                result.complete(List.of(outcome));
            }
            else {
                long at = System.currentTimeMillis();
                LOG.error("Attempt {} of message {} failed unexpectedly; trying again later", delivery.attempt, delivery.messageId, failure);
                result.complete(List.of(SendResult.of(delivery, SendResult.DEFERRED, "unexpected error", at).notBefore(at + sendTimeoutMillis)));
            }
        });
    }

    /**
     * Ids a provider that keeps metadata (SparkPost) echoes back in its events, so that delivery, bounce and
     * complaint events are attributed without a look-up.
     */
    static Map<String, String> providerMetadata(Delivery delivery) {
        Map<String, String> metadata = new LinkedHashMap<>();
        String[] pairs = {"profile_id", delivery.profileId, "channel", delivery.channel, "source_type", delivery.sourceType, "source_id", delivery.sourceId};
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                metadata.put(pairs[i], pairs[i + 1]);
            }
        }
        return metadata;
    }

    /** One attempt, on the lane's threads. */
    private SendResult attempt(Delivery delivery, Lane lane) {
        long now = System.currentTimeMillis();
        OutboundMessage message;
        try {
            message = new OutboundMessage(delivery.messageId, delivery.projectId, delivery.destination, new Rendering.Rendered(delivery.rendered()),
                    delivery.headers == null ? Map.of() : delivery.headers,
                    providerMetadata(delivery));
        }
        catch (IllegalArgumentException e) {
            return SendResult.of(delivery, SendResult.FAILED, "cannot be sent: " + e.getMessage(), now);
        }
        SendLog.Entry entry = SendLog.Entry.of(delivery);
        SendLog.Claim claim;
        try {
            claim = log.claim(entry, delivery.attempt, now, sendTimeoutMillis);
        }
        catch (SendLog.UnavailableException e) {
            LOG.warn("Message {} waits: {}", delivery.messageId, e.getMessage());
            return SendResult.of(delivery, SendResult.DEFERRED, "send log unavailable", now).notBefore(now + busyDelayMillis * 5);
        }
        if (claim instanceof SendLog.Claim.AlreadySent) {
            return SendResult.of(delivery, SendResult.ALREADY_SENT, "already_sent", now);
        }
        if (claim instanceof SendLog.Claim.AlreadyFailed) {
            return SendResult.of(delivery, SendResult.ALREADY_FAILED, "already_failed", now);
        }
        if (claim instanceof SendLog.Claim.InFlight inFlight) {
            return SendResult.of(delivery, SendResult.DEFERRED, "an earlier attempt may still be running", now).notBefore(inFlight.untilMillis());
        }
        boolean outcomeUnknown = ((SendLog.Claim.Send) claim).outcomeUnknown();
        DeliveryResult answer;
        try {
            answer = lane.connector.send(message);
        }
        catch (RuntimeException e) {
            answer = new DeliveryResult.PermanentFailure("the connector cannot send it: " + e.getMessage(), false);
        }
        long done = System.currentTimeMillis();
        if (answer instanceof DeliveryResult.Accepted accepted) {
            String reason = outcomeUnknown ? "unknown_resent" : null;
            record(delivery, () -> log.sent(entry, accepted.providerMessageId(), reason, done));
            return SendResult.of(delivery, SendResult.SENT, reason, done).providerMessageId(accepted.providerMessageId());
        }
        if (answer instanceof DeliveryResult.PermanentFailure permanent) {
            String reason = permanent.reason() + (permanent.destinationRejected() ? " (destination rejected)" : "");
            record(delivery, () -> log.failed(entry, reason, done));
            return SendResult.of(delivery, SendResult.FAILED, reason, done);
        }
        DeliveryResult.TemporaryFailure temporary = (DeliveryResult.TemporaryFailure) answer;
        RetryPolicy.Decision next = lane.retry.next(delivery.attempt, temporary, Instant.ofEpochMilli(done), ThreadLocalRandom.current());
        if (next instanceof RetryPolicy.Decision.Retry retry) {
            record(delivery, () -> log.retrying(entry, temporary.reason(), done));
            return SendResult.of(delivery, SendResult.RETRY, temporary.reason(), done).notBefore(retry.at().toEpochMilli());
        }
        String reason = ((RetryPolicy.Decision.DeadLetter) next).reason();
        record(delivery, () -> log.failed(entry, reason, done));
        return SendResult.of(delivery, SendResult.DEAD_LETTER, reason, done);
    }

    /** Records an outcome; if the log stays unavailable the outcome stands, and a replay would treat it as unknown. */
    private static void record(Delivery delivery, Runnable write) {
        for (int attempt = 1; ; attempt++) {
            try {
                write.run();
                return;
            }
            catch (SendLog.UnavailableException e) {
                if (attempt == RECORD_TRIES) {
                    LOG.warn("Outcome of message {} not recorded in the send log: {}", delivery.messageId, e.getMessage());
                    return;
                }
            }
        }
    }

    @Override
    public void timeout(Delivery delivery, ResultFuture<SendResult> result) {
        long now = System.currentTimeMillis();
        result.complete(List.of(SendResult.of(delivery, SendResult.DEFERRED, "no outcome within the send timeout", now).notBefore(now + sendTimeoutMillis)));
    }

    /** The lane of the delivery's connector: a newer configuration version replaces the lane (an older one uses the current lane). */
    private Lane lane(Delivery delivery) throws Exception {
        String key = delivery.projectId + '/' + delivery.channel;
        Lane current = lanes.get(key);
        if (current != null && current.version >= delivery.connectorVersion) {
            return current;
        }
        ConnectorConfig config = ConnectorConfigs.parse(JSON.readTree(delivery.connector));
        Lane lane = new Lane(delivery.channel, delivery.connectorVersion, config, concurrency);
        lanes.put(key, lane);
        if (current != null) {
            retired.add(current);
        }
        return lane;
    }

    private void closeIdleRetiredLanes() {
        for (Iterator<Lane> iterator = retired.iterator(); iterator.hasNext(); ) {
            Lane lane = iterator.next();
            if (lane.idle()) {
                lane.close();
                iterator.remove();
            }
        }
    }

    @Override
    public void close() {
        if (lanes != null) {
            lanes.values().forEach(Lane::close);
            retired.forEach(Lane::close);
        }
        if (log != null) {
            log.close();
        }
    }

    /** One connector and what paces it. */
    private static final class Lane {
        final int version;
        final Connector connector;
        final RateLimiter limiter;
        final RetryPolicy retry;
        final Semaphore permits;
        final ExecutorService executor;
        private final int concurrency;

        Lane(String channel, int version, ConnectorConfig config, int concurrency) {
            this.version = version;
            this.connector = config.open();
            this.limiter = new RateLimiter(config.delivery().rateLimit());
            this.retry = config.delivery().retry();
            this.permits = new Semaphore(concurrency);
            this.concurrency = concurrency;
            AtomicInteger threads = new AtomicInteger();
            this.executor = Executors.newFixedThreadPool(concurrency, runnable -> {
                Thread thread = new Thread(runnable, "sillage-send-" + channel + "-v" + version + "-" + threads.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
        }

        boolean idle() {
            return permits.availablePermits() == concurrency;
        }

        void close() {
            executor.shutdown();
            connector.close();
        }
    }
}
