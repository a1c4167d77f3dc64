package io.keycycle.gateway;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;

import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code Allow} header of a 405: the methods the router serves on a path (HTTP requires it on a
 * 405, and a client or a proxy that sees a {@code POST} refused learns from it what the path takes).
 * Read from the router's own routes, so it cannot drift from them: every route with methods and a
 * path whose segments match the request's ({@code :name} matches any one segment).
 */
final class AllowedMethods {

    private AllowedMethods() { }

    /** The methods, sorted and comma-separated, or an empty string when no route names one. */
    static String of(Router router, String path) {
        Set<String> allowed = new TreeSet<>();
        for (Route route : router.getRoutes()) {
            Set<HttpMethod> methods = route.methods();
            String template = route.getPath();
            if (methods == null || methods.isEmpty() || template == null) continue; // a pathRegex route has none
            if (matches(template, path)) methods.forEach(m -> allowed.add(m.name()));
        }
        return String.join(", ", allowed);
    }

    /** True when {@code path} has the segments of {@code template}, a {@code :name} segment matching any non-empty one. */
    static boolean matches(String template, String path) {
        if (path == null) return false;
        String[] t = template.split("/", -1);
        String[] p = path.split("/", -1);
        if (t.length != p.length) return false;
        for (int i = 0; i < t.length; i++) {
            if (t[i].startsWith(":")) {
                if (p[i].isEmpty()) return false;
            } else if (!t[i].equals(p[i])) {
                return false;
            }
        }
        return true;
    }
}
