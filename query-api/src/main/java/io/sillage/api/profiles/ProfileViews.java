package io.sillage.api.profiles;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** Reads profiles from the serving store the profile job writes. */
public interface ProfileViews {
    /**
     * The live profile holding {@code identifier} ({@code type:value}, normalized) in {@code projectId},
     * following merges; empty when no profile of this project holds it.
     */
    Optional<ObjectNode> find(String projectId, String identifier);

    /**
     * The live profile {@code profileId} of {@code projectId} became, following merges (the profile itself when it
     * was not merged); empty when the store does not have it (erased, or not written yet). Its {@code identifiers}
     * are {@code [{"type", "value"}]}.
     */
    default Optional<ObjectNode> findById(String projectId, String profileId) {
        throw new UnsupportedOperationException("this profile store cannot look up profiles by id");
    }
}
