package io.sillage.jobs.messaging;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** The send log in memory, with the same claim decision as {@link PostgresSendLog}; one instance shared by a test's operators. */
final class InMemorySendLog implements SendLog {
    static final InMemorySendLog SHARED = new InMemorySendLog();

    record Stored(Status status, int attempt, long claimedAtMillis, String providerMessageId, String reason) {}

    private final Map<String, Stored> rows = new ConcurrentHashMap<>();

    static Factory factory() {
        return () -> SHARED;
    }

    @Override
    public synchronized Claim claim(Entry entry, int attempt, long nowMillis, long staleAfterMillis) {
        Stored stored = rows.get(key(entry));
        Claim claim = SendLog.decide(stored == null ? null : new Row(stored.status(), stored.attempt(), stored.claimedAtMillis()), nowMillis, staleAfterMillis);
        if (claim instanceof Claim.Send) {
            rows.put(key(entry), new Stored(Status.PENDING, attempt, nowMillis, stored == null ? null : stored.providerMessageId(), null));
        }
        return claim;
    }

    @Override
    public CompletableFuture<Void> sent(Entry entry, String providerMessageId, String reason, long nowMillis) {
        return finish(entry, Status.SENT, providerMessageId, reason);
    }

    @Override
    public CompletableFuture<Void> retrying(Entry entry, String reason, long nowMillis) {
        return finish(entry, Status.RETRYING, null, reason);
    }

    @Override
    public CompletableFuture<Void> failed(Entry entry, String reason, long nowMillis) {
        return finish(entry, Status.FAILED, null, reason);
    }

    private synchronized CompletableFuture<Void> finish(Entry entry, Status status, String providerMessageId, String reason) {
        rows.computeIfPresent(key(entry), (key, stored) -> new Stored(status, stored.attempt(),
                stored.claimedAtMillis(), providerMessageId == null ? stored.providerMessageId() : providerMessageId, reason));
        return CompletableFuture.completedFuture(null);
    }

    Stored row(Delivery delivery) {
        return rows.get(Delivery.key(delivery.projectId, delivery.idempotencyKey));
    }

    /** Puts a row as a crashed run of the job would have left it. */
    void put(Delivery delivery, Status status, int attempt, long claimedAtMillis) {
        rows.put(Delivery.key(delivery.projectId, delivery.idempotencyKey), new Stored(status, attempt, claimedAtMillis, null, null));
    }

    void clear() {
        rows.clear();
    }

    private static String key(Entry entry) {
        return Delivery.key(entry.projectId(), entry.idempotencyKey());
    }

    @Override
    public void close() {}
}
