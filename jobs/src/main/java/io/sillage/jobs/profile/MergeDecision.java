package io.sillage.jobs.profile;

/**
 * A merge made or refused, for {@code lakehouse.cdp.profile_merges}. A Flink POJO.
 */
public class MergeDecision {
    public static final String MERGED = "merged";
    public static final String REFUSED = "refused";

    public String projectId;
    public String fromProfileId;
    public String intoProfileId;
    /** {@link #MERGED} or {@link #REFUSED}. */
    public String decision;
    /** Why: the shared identifier for a merge, the limit for a refusal. */
    public String rule;
    /** The identifier that linked the two profiles ({@code type:value}). */
    public String identifier;
    public String messageId;
    public long eventTimeMicros;

    public MergeDecision() {}

    public MergeDecision(String projectId, String fromProfileId, String intoProfileId, String decision, String rule, String identifier, String messageId, long eventTimeMicros) {
        this.projectId = projectId;
        this.fromProfileId = fromProfileId;
        this.intoProfileId = intoProfileId;
        this.decision = decision;
        this.rule = rule;
        this.identifier = identifier;
        this.messageId = messageId;
        this.eventTimeMicros = eventTimeMicros;
    }
}
