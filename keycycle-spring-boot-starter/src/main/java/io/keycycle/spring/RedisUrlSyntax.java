package io.keycycle.spring;

import io.lettuce.core.RedisURI;
import org.springframework.util.ClassUtils;

/**
 * Checks a Redis URL's syntax with the parser {@code keycycle-redis} uses (Lettuce's), before any
 * bean is created, so a malformed URL ({@code redis://host:port-that-is-not-a-number}) stops the
 * start with one report. Only touches Lettuce when it is on the class path (keycycle-redis is an
 * optional dependency of the starter).
 */
final class RedisUrlSyntax {

    private RedisUrlSyntax() {
    }

    /** The problem with {@code url}, or null when it parses (or Lettuce is absent: the join will tell). */
    static String problem(String url) {
        if (!ClassUtils.isPresent("io.lettuce.core.RedisURI", RedisUrlSyntax.class.getClassLoader())) return null;
        try {
            RedisURI.create(url);
            return null;
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return "Redis URL '" + ClusterUrls.redact(url) + "' is not valid (" + ClusterUrls.redact(why)
                    + "); expected redis://[:password@]host[:port][/database] or rediss://";
        }
    }
}
