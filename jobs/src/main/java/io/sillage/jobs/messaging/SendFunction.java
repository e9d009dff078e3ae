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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send, as Flink async I/O ({@code AsyncDataStream.unorderedWait}): one attempt per element, never waiting on
 * the operator thread. Per project and channel, a <em>lane</em>: the connector opened from the configuration the
 * message was routed with (one instance per configuration version), its rate limiter, its retry policy, and its own
 * {@code concurrency} threads, in front of which attempts wait. A lane takes an attempt when it would start within
 * {@code laneWait}, judging by how long the lane's recent attempts took ({@link #admits}); otherwise the message comes
 * back at once as {@link SendResult#DEFERRED} and waits in keyed state ({@link DeliveryOutcomes}) for as long as the
 * lane's backlog takes to clear (at least {@code busyDelay}). So a fast connector may fill the operator's capacity
 * (the operator then applies backpressure), while a slow or failing provider holds a few of its slots, never its
 * whole capacity, and the other connectors keep sending. An attempt that waited in
 * its lane for half the send timeout is deferred the same way instead of being started late; one whose rate limit
 * has no permit waits on its lane's thread when the permit comes within {@code busyDelay}, and is deferred otherwise.
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
    private final int queue;
    private final long busyDelayMillis;
    private final long laneWaitMillis;

    private transient SendLog log;
    /** By project and channel; used on the operator thread only. */
    private transient Map<String, Lane> lanes;
    private transient List<Lane> retired;

    /**
     * @param sendTimeoutMillis the longest an attempt takes (the async operator's timeout too); a send log row
     *                          {@code pending} for longer belongs to an attempt whose outcome is unknown
     * @param concurrency       attempts in flight per connector
     * @param queue             attempts waiting in a connector's lane for one of its threads, before the lane has
     *                          timed any attempt
     * @param busyDelayMillis   how long a message its lane does not take is deferred, and the longest a lane's thread
     *                          waits for a rate-limit permit
     * @param laneWaitMillis    the longest an attempt is expected to wait in its lane for a thread
     */
    public SendFunction(SendLog.Factory sendLogs, long sendTimeoutMillis, int concurrency, int queue, long busyDelayMillis, long laneWaitMillis) {
        if (concurrency < 1 || queue < 0) {
            throw new IllegalArgumentException("a connector needs at least one attempt in flight and a queue of 0 or more");
        }
        this.sendLogs = sendLogs;
        this.sendTimeoutMillis = sendTimeoutMillis;
        this.concurrency = concurrency;
        this.queue = queue;
        this.busyDelayMillis = busyDelayMillis;
        this.laneWaitMillis = laneWaitMillis;
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
        if (!lane.admit(laneWaitMillis)) {
            result.complete(List.of(busy(delivery, now, lane)));
            return;
        }
        // the lane's thread is free once the provider has answered; the result waits for the send log to record it
        CompletableFuture<CompletableFuture<SendResult>> onLane = CompletableFuture.supplyAsync(() -> paced(delivery, lane, now), lane.executor);
        onLane.whenComplete((recorded, failure) -> lane.inLane.decrementAndGet());
        onLane.thenCompose(recorded -> recorded).whenComplete((outcome, failure) -> {
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

    /**
     * Deferred for as long as the lane's backlog takes to clear by its recent attempt time (at least the busy delay,
     * at most the send timeout), spread by up to as long again: a provider that stays slow sees each waiting
     * message come back every few backlogs, not every second.
     */
    private SendResult busy(Delivery delivery, long now, Lane lane) {
        long backlog = Math.min(sendTimeoutMillis, Math.max(busyDelayMillis, lane.backlogMillis()));
        long delay = backlog + ThreadLocalRandom.current().nextLong(backlog + 1);
        return SendResult.of(delivery, SendResult.DEFERRED, "connector busy", now).notBefore(now + delay);
    }

    /**
     * On the lane's threads: an attempt that did not wait too long in the lane, with a rate-limit permit. The
     * future completes when the outcome is recorded in the send log.
     */
    private CompletableFuture<SendResult> paced(Delivery delivery, Lane lane, long queuedAtMillis) {
        long started = System.nanoTime();
        long now = System.currentTimeMillis();
        if (now - queuedAtMillis > sendTimeoutMillis / 2) {
            return CompletableFuture.completedFuture(busy(delivery, now, lane));
        }
        for (Duration wait = lane.limiter.tryAcquire(); !wait.isZero(); wait = lane.limiter.tryAcquire()) {
            if (wait.toMillis() > busyDelayMillis || !sleep(wait)) {
                now = System.currentTimeMillis();
                return CompletableFuture.completedFuture(
                        SendResult.of(delivery, SendResult.DEFERRED, "rate limited", now).notBefore(now + Math.max(1, wait.toMillis())));
            }
        }
        CompletableFuture<SendResult> outcome = attempt(delivery, lane);
        lane.took(System.nanoTime() - started); // the rate limit's pace included
        return outcome;
    }

    /** False when interrupted (the job is closing). */
    private static boolean sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis(), (int) (wait.toNanos() % 1_000_000));
            return true;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One attempt, on the lane's threads, up to the provider's answer; the future completes once the outcome is recorded. */
    private CompletableFuture<SendResult> attempt(Delivery delivery, Lane lane) {
        long now = System.currentTimeMillis();
        OutboundMessage message;
        try {
            message = new OutboundMessage(delivery.messageId, delivery.projectId, delivery.destination, new Rendering.Rendered(delivery.rendered()),
                    delivery.headers == null ? Map.of() : delivery.headers,
                    providerMetadata(delivery));
        }
        catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(SendResult.of(delivery, SendResult.FAILED, "cannot be sent: " + e.getMessage(), now));
        }
        SendLog.Entry entry = SendLog.Entry.of(delivery);
        SendLog.Claim claim;
        try {
            claim = log.claim(entry, delivery.attempt, now, sendTimeoutMillis);
        }
        catch (SendLog.UnavailableException e) {
            LOG.warn("Message {} waits: {}", delivery.messageId, e.getMessage());
            return CompletableFuture.completedFuture(
                    SendResult.of(delivery, SendResult.DEFERRED, "send log unavailable", now).notBefore(now + busyDelayMillis * 5));
        }
        if (claim instanceof SendLog.Claim.AlreadySent) {
            return CompletableFuture.completedFuture(SendResult.of(delivery, SendResult.ALREADY_SENT, "already_sent", now));
        }
        if (claim instanceof SendLog.Claim.AlreadyFailed) {
            return CompletableFuture.completedFuture(SendResult.of(delivery, SendResult.ALREADY_FAILED, "already_failed", now));
        }
        if (claim instanceof SendLog.Claim.InFlight inFlight) {
            return CompletableFuture.completedFuture(
                    SendResult.of(delivery, SendResult.DEFERRED, "an earlier attempt may still be running", now).notBefore(inFlight.untilMillis()));
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
            return record(delivery, () -> log.sent(entry, accepted.providerMessageId(), reason, done),
                    SendResult.of(delivery, SendResult.SENT, reason, done).providerMessageId(accepted.providerMessageId()));
        }
        if (answer instanceof DeliveryResult.PermanentFailure permanent) {
            String reason = permanent.reason() + (permanent.destinationRejected() ? " (destination rejected)" : "");
            return record(delivery, () -> log.failed(entry, reason, done), SendResult.of(delivery, SendResult.FAILED, reason, done));
        }
        DeliveryResult.TemporaryFailure temporary = (DeliveryResult.TemporaryFailure) answer;
        RetryPolicy.Decision next = lane.retry.next(delivery.attempt, temporary, Instant.ofEpochMilli(done), ThreadLocalRandom.current());
        if (next instanceof RetryPolicy.Decision.Retry retry) {
            return record(delivery, () -> log.retrying(entry, temporary.reason(), done),
                    SendResult.of(delivery, SendResult.RETRY, temporary.reason(), done).notBefore(retry.at().toEpochMilli()));
        }
        String reason = ((RetryPolicy.Decision.DeadLetter) next).reason();
        return record(delivery, () -> log.failed(entry, reason, done), SendResult.of(delivery, SendResult.DEAD_LETTER, reason, done));
    }

    /**
     * Records an outcome, then reports it; if the log stays unavailable for {@value #RECORD_TRIES} tries the outcome
     * stands, and a replay would treat it as unknown.
     */
    private static CompletableFuture<SendResult> record(Delivery delivery, Supplier<CompletableFuture<Void>> write, SendResult outcome) {
        return record(delivery, write, 1).thenApply(recorded -> outcome);
    }

    private static CompletableFuture<Void> record(Delivery delivery, Supplier<CompletableFuture<Void>> write, int attempt) {
        CompletableFuture<Void> written;
        try {
            written = write.get();
        }
        catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        return written.handle((recorded, failure) -> {
            if (failure == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (attempt >= RECORD_TRIES) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                LOG.warn("Outcome of message {} not recorded in the send log: {}", delivery.messageId, cause.getMessage());
                return CompletableFuture.<Void>completedFuture(null);
            }
            return record(delivery, write, attempt + 1);
        }).thenCompose(next -> next);
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
        Lane lane = new Lane(delivery.channel, delivery.connectorVersion, config, concurrency, queue);
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

    /**
     * Whether a lane takes one more attempt: while it has a free thread, always; otherwise when the attempt would
     * start within {@code maxWaitNanos}, judging by the lane's recent attempt time; before the lane has one, when
     * fewer than {@code queue} attempts wait. So a fast connector queues as much as the operator's capacity holds
     * (and the operator applies backpressure), while a slow one holds a few of its slots and defers the rest.
     *
     * @param inLane             attempts in the lane, running or waiting
     * @param attemptNanos       the lane's recent attempt time, 0 before its first attempt
     */
    static boolean admits(int inLane, int concurrency, int queue, long attemptNanos, long maxWaitNanos) {
        if (inLane < concurrency) {
            return true;
        }
        int waiting = inLane - concurrency + 1;
        if (attemptNanos == 0) {
            return waiting <= queue;
        }
        long rounds = (waiting + concurrency - 1) / concurrency; // its threads may all have just started
        return rounds * attemptNanos <= maxWaitNanos;
    }

    /** One connector and what paces it. */
    private static final class Lane {
        final int version;
        final Connector connector;
        final RateLimiter limiter;
        final RetryPolicy retry;
        /** Attempts in the lane, running or waiting for a thread. */
        final AtomicInteger inLane = new AtomicInteger();
        final ExecutorService executor;
        private final int concurrency;
        private final int queue;
        /** Moving average of the time an attempt takes (nanos), 0 before the first. */
        private volatile long attemptNanos;

        Lane(String channel, int version, ConnectorConfig config, int concurrency, int queue) {
            this.version = version;
            this.connector = config.open();
            this.limiter = new RateLimiter(config.delivery().rateLimit());
            this.retry = config.delivery().retry();
            this.concurrency = concurrency;
            this.queue = queue;
            AtomicInteger threads = new AtomicInteger();
            this.executor = Executors.newFixedThreadPool(concurrency, runnable -> {
                Thread thread = new Thread(runnable, "sillage-send-" + channel + "-v" + version + "-" + threads.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
        }

        /** On the operator thread: takes the attempt into the lane, or not (see {@link #admits}). */
        boolean admit(long maxWaitMillis) {
            if (!admits(inLane.get(), concurrency, queue, attemptNanos, maxWaitMillis * 1_000_000)) {
                return false;
            }
            inLane.incrementAndGet();
            return true;
        }

        /** On the lane's threads: one more attempt time, weighing a fifth in the average. */
        synchronized void took(long nanos) {
            long previous = attemptNanos;
            attemptNanos = previous == 0 ? Math.max(1, nanos) : Math.max(1, previous + (nanos - previous) / 5);
        }

        /** How long the attempts in the lane take to clear, by its recent attempt time; 0 before its first attempt. */
        long backlogMillis() {
            long rounds = (inLane.get() + concurrency - 1) / concurrency;
            return rounds * attemptNanos / 1_000_000;
        }

        boolean idle() {
            return inLane.get() == 0;
        }

        void close() {
            executor.shutdown();
            connector.close();
        }
    }
}
