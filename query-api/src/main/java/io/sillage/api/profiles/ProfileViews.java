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
}
