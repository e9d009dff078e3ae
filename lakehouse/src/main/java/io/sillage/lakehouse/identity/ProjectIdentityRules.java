package io.sillage.lakehouse.identity;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Identity rules per project, read from job settings. Defaults ({@link IdentityRules#defaults()}) apply to every
 * project; {@code identity.<key>} changes them for all projects and {@code identity.project.<projectId>.<key>}
 * for one. Keys:
 * <ul>
 *   <li>{@code custom-types}: comma-separated types appended to the priority list (e.g. {@code installation_id,crm_id})</li>
 *   <li>{@code priority}: the whole priority list, most trusted first</li>
 *   <li>{@code limits}: {@code type=max} pairs, e.g. {@code user_id=1,email=1}</li>
 *   <li>{@code phone-region}: ISO region for national phone numbers (default FR)</li>
 *   <li>{@code blocked-values}: comma-separated values that never link; {@code blocked-pattern}: a regex</li>
 * </ul>
 */
public final class ProjectIdentityRules implements Serializable {
    private static final long serialVersionUID = 1;

    private final HashMap<String, String> settings;
    private transient Map<String, IdentityRules> cache;

    public ProjectIdentityRules(Map<String, String> settings) {
        this.settings = new HashMap<>();
        settings.forEach((key, value) -> {
            if (key.startsWith("identity.")) {
                this.settings.put(key, value);
            }
        });
        rules("validation"); // fail at job definition, not on the first event
    }

    public static ProjectIdentityRules defaults() {
        return new ProjectIdentityRules(Map.of());
    }

    public IdentityRules rules(String projectId) {
        if (cache == null) {
            cache = new ConcurrentHashMap<>();
        }
        return cache.computeIfAbsent(projectId, this::build);
    }

    private IdentityRules build(String projectId) {
        IdentityRules defaults = IdentityRules.defaults();
        List<String> priority = new ArrayList<>(setting(projectId, "priority").map(ProjectIdentityRules::list).orElse(defaults.priority()));
        setting(projectId, "custom-types").map(ProjectIdentityRules::list).ifPresent(types -> types.stream().filter(type -> !priority.contains(type)).forEach(priority::add));
        Map<String, Integer> limits = new LinkedHashMap<>(defaults.maxPerProfile());
        setting(projectId, "limits").ifPresent(text -> {
            limits.clear();
            for (String pair : list(text)) {
                String[] parts = pair.split("=", 2);
                if (parts.length != 2) {
                    throw new IllegalArgumentException("Invalid identity limits '" + text + "': write type=max pairs, e.g. user_id=1,email=1");
                }
                limits.put(parts[0].strip(), Integer.parseInt(parts[1].strip()));
            }
        });
        String region = setting(projectId, "phone-region").orElse(defaults.defaultPhoneRegion());
        Set<String> blocked = new LinkedHashSet<>(setting(projectId, "blocked-values").map(ProjectIdentityRules::list).orElse(List.of()));
        Optional<Pattern> pattern = setting(projectId, "blocked-pattern").map(Pattern::compile);
        return new IdentityRules(priority, limits, region, blocked, pattern);
    }

    private Optional<String> setting(String projectId, String key) {
        return Optional.ofNullable(settings.get("identity.project." + projectId + "." + key))
                .or(() -> Optional.ofNullable(settings.get("identity." + key)))
                .filter(value -> !value.isBlank());
    }

    private static List<String> list(String text) {
        return Arrays.stream(text.split(",")).map(String::strip).filter(value -> !value.isEmpty()).toList();
    }
}
