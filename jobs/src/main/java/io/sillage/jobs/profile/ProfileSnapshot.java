package io.sillage.jobs.profile;

/**
 * A profile as written out after a change: the state, its JSON renderings (computed once, used by both the
 * lakehouse row and the serving store), and when it was taken. A Flink POJO.
 */
public class ProfileSnapshot {
    public ProfileState state;
    public String traits;
    public String subscriptions;
    public String document;
    public long takenAtMillis;

    public ProfileSnapshot() {}

    public static ProfileSnapshot of(ProfileState state, long takenAtMillis) {
        ProfileSnapshot snapshot = new ProfileSnapshot();
        snapshot.state = state;
        snapshot.traits = ProfileDocuments.traits(state);
        snapshot.subscriptions = ProfileDocuments.subscriptions(state);
        snapshot.document = ProfileDocuments.document(state, snapshot.traits, snapshot.subscriptions);
        snapshot.takenAtMillis = takenAtMillis;
        return snapshot;
    }
}
