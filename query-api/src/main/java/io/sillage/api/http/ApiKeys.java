package io.sillage.api.http;

import io.javalin.http.Context;
import io.sillage.api.projects.ProjectStore;

/** Authentication of the marketer API: the project's API key as a Bearer token. */
final class ApiKeys {
    private ApiKeys() {}

    /** The project of the request's API key. @throws ProblemException 401 when the key is missing or unknown */
    static String authenticate(Context ctx, ProjectStore projects) {
        String authorization = ctx.header("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7) || authorization.substring(7).isBlank()) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"sillage\"");
            throw new ProblemException(ProblemType.UNAUTHORIZED, "send the project's API key as Authorization: Bearer sk_...");
        }
        String key = authorization.substring(7).trim();
        return projects.findProjectByApiKey(key).orElseThrow(() -> {
            ctx.header("WWW-Authenticate", "Bearer realm=\"sillage\", error=\"invalid_token\"");
            return new ProblemException(ProblemType.UNAUTHORIZED, "unknown API key");
        });
    }
}
