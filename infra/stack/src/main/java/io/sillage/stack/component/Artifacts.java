package io.sillage.stack.component;

import io.sillage.stack.StackException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Built artifacts the stack launches, found under the repository root. */
final class Artifacts {
    private Artifacts() {}

    /** A module's jar followed by its runtime dependencies, from the classpath file Maven writes. */
    static String classpath(Path home, String module) {
        Path target = home.resolve(module).resolve("target");
        Path classpathFile = target.resolve("classpath.txt");
        if (!Files.exists(classpathFile)) {
            throw notBuilt(classpathFile);
        }
        try (var jars = Files.list(target)) {
            String moduleJar = jars.filter(path -> path.getFileName().toString().endsWith(".jar")
                            && !path.getFileName().toString().endsWith("-job.jar")
                            && !path.getFileName().toString().startsWith("original-"))
                    .map(Path::toString)
                    .findFirst()
                    .orElse(null);
            String dependencies = Files.readString(classpathFile).trim();
            return moduleJar == null ? dependencies : moduleJar + ":" + dependencies;
        }
        catch (IOException e) {
            throw new StackException("Cannot read " + classpathFile + ": " + e.getMessage(), e);
        }
    }

    static Path file(Path home, String relative) {
        Path path = home.resolve(relative);
        if (!Files.exists(path)) {
            throw notBuilt(path);
        }
        return path;
    }

    private static StackException notBuilt(Path missing) {
        return new StackException(missing + " is missing: the project is not built. Run ./cdp up (it builds), or mvn -DskipTests package.");
    }
}
