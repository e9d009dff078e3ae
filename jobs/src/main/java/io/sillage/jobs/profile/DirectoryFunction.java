package io.sillage.jobs.profile;

import io.sillage.lakehouse.identity.IdentityRules;

import java.time.Duration;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Flink side of {@link IdentifierDirectory}, keyed by project and identifier. State: the owning profile id, one
 * string per identifier. Anonymous ids are the one type that grows without bound (every cookie, every install),
 * so theirs expire after {@code anonymousTtl} without use; the profile keeps the identifier, and an event from
 * that anonymous id after expiry starts a new profile.
 */
public class DirectoryFunction extends KeyedProcessFunction<String, StitchMessage, StitchMessage> {
    /** Every change of an identifier's owner, for the serving store's identifier index. */
    public static final OutputTag<IdentityLink> LINKS = new OutputTag<>("identity-links") {};

    private final Duration anonymousTtl;
    private transient ValueState<String> owner;
    private transient ValueState<String> anonymousOwner;

    public DirectoryFunction(Duration anonymousTtl) {
        this.anonymousTtl = anonymousTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        owner = getRuntimeContext().getState(new ValueStateDescriptor<>("owner", String.class));
        ValueStateDescriptor<String> anonymous = new ValueStateDescriptor<>("anonymous-owner", String.class);
        anonymous.enableTimeToLive(StateTtlConfig.newBuilder(anonymousTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnReadAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        anonymousOwner = getRuntimeContext().getState(anonymous);
    }

    @Override
    public void processElement(StitchMessage message, Context context, Collector<StitchMessage> out) throws Exception {
        ValueState<String> state = message.target.startsWith(IdentityRules.ANONYMOUS_ID + ':') ? anonymousOwner : owner;
        String before = state.value();
        String after = IdentifierDirectory.handle(before, message, out::collect);
        if (!after.equals(before)) {
            state.update(after);
            context.output(LINKS, new IdentityLink(message.projectId, message.target, after));
        }
    }
}
