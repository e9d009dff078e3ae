package io.sillage.jobs.profile;

import java.io.Serializable;

/**
 * Reads current profiles from the serving store (the Profile View documents the profile job writes), for decisions
 * taken after the event that changed them: the automation send gate after a wait, the activation job at send time.
 */
public interface ProfileReader extends AutoCloseable {

    /**
     * The profile's document, following {@code merged_into} to the surviving profile. Blocks, retrying, while the
     * store is unreachable: an outage delays decisions, it never fails them.
     *
     * @return null when the store has no such profile (not written yet, or removed)
     */
    Stored read(String projectId, String profileId) throws InterruptedException;

    @Override
    void close();

    /** A surviving profile and its Profile View document (JSON text). */
    record Stored(String profileId, String document) {}

    /** Opens a reader in a Flink function's {@code open}: functions are serialized, connections are not. */
    @FunctionalInterface
    interface Factory extends Serializable {
        ProfileReader open();
    }
}
