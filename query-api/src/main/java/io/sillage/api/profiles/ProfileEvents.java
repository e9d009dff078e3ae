package io.sillage.api.profiles;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/** A profile's event history, newest first, in pages. */
public interface ProfileEvents {
    /** Filters and position of one page; {@code after} is the cursor's position, exclusive. */
    record Query(String projectId, List<String> identifiers, Optional<String> event, Optional<String> type, int limit, Optional<Cursor> after) {}

    /** A position in the history: (timestamp, messageId), both descending. */
    record Cursor(long timestampMicros, String messageId) {}

    record Page(List<ObjectNode> events, Optional<Cursor> next) {}

    Page page(Query query);
}
