package io.headroom.router.auth;

import io.headroom.router.config.AuthConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.time.Ticker;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Checks a request's credentials against a route's {@link RouteConfig.Auth}: an API key in the configured header,
 * or a bearer JWT in {@code Authorization}, whichever the route accepts. A presented but bad credential is refused;
 * it does not fall back to another method. Missing or bad credentials get 401 with one {@code WWW-Authenticate} per
 * accepted scheme (RFC 6750 for Bearer); a valid credential without every required scope gets 403 with
 * {@code error="insufficient_scope"}.
 */
public final class Authenticator implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Authenticator.class.getName());

    private final String realm;
    private final String apiKeyHeader;
    private final ApiKeyStore apiKeys;
    private final JwtVerifier jwt;
    private Thread reloader;
    private volatile boolean running;

    public Authenticator(AuthConfig config, Clock clock, Ticker ticker) {
        this.realm = config.realm();
        this.apiKeyHeader = config.apiKeys() == null ? null : config.apiKeys().header();
        this.apiKeys = config.apiKeys() == null ? null : new ApiKeyStore(config.apiKeys());
        this.jwt = config.issuers().isEmpty() ? null : new JwtVerifier(config.issuers(), clock, ticker);
    }

    /** The header that carries API keys, or null. */
    public String apiKeyHeader() {
        return apiKeyHeader;
    }

    public ApiKeyStore apiKeys() {
        return apiKeys;
    }

    public JwtVerifier jwt() {
        return jwt;
    }

    /**
     * @param policy        the route's requirement
     * @param apiKey        the value of the API key header, or null
     * @param authorization the value of {@code Authorization}, or null
     */
    public AuthResult authenticate(RouteConfig.Auth policy, String apiKey, String authorization) {
        boolean acceptsKey = apiKeys != null && policy.methods().contains(RouteConfig.AuthMethod.API_KEY);
        boolean acceptsJwt = jwt != null && policy.methods().contains(RouteConfig.AuthMethod.JWT);
        Identity id = null;
        if (acceptsKey && apiKey != null) {
            id = apiKeys.verify(apiKey);
            if (id == null) {
                return refuse(policy, 401, "invalid_api_key", "the API key is not valid", null);
            }
        } else if (acceptsJwt && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            try {
                id = jwt.verify(authorization.substring(7).strip());
            } catch (AuthException e) {
                return refuse(policy, 401, "invalid_token", e.getMessage(), null);
            }
        }
        if (id == null) {
            return refuse(policy, 401, "missing_credentials", "this route needs " + describe(policy), null);
        }
        for (String s : policy.scopes()) {
            if (!id.scopes().contains(s)) {
                return refuse(policy, 403, "insufficient_scope", "consumer " + id.consumer() + " lacks scope " + s, id.method());
            }
        }
        return AuthResult.accepted(id);
    }

    private AuthResult refuse(RouteConfig.Auth policy, int status, String error, String detail, String usedMethod) {
        List<String> challenges = new ArrayList<>(2);
        String scope = policy.scopes().isEmpty() ? "" : ", scope=\"" + String.join(" ", policy.scopes()) + "\"";
        boolean bearer = jwt != null && policy.methods().contains(RouteConfig.AuthMethod.JWT)
                && (usedMethod == null || usedMethod.equals("jwt"));
        boolean key = apiKeys != null && policy.methods().contains(RouteConfig.AuthMethod.API_KEY)
                && (usedMethod == null || usedMethod.equals("api-key"));
        if (bearer) {
            String e = switch (error) {
                case "missing_credentials", "invalid_api_key" -> "";
                default -> ", error=\"" + error + "\", error_description=\"" + detail.replace('"', '\'') + "\"";
            };
            challenges.add("Bearer realm=\"" + realm + "\"" + e + scope);
        }
        if (key) {
            String e = error.equals("insufficient_scope") ? ", error=\"insufficient_scope\"" + scope : "";
            challenges.add("ApiKey realm=\"" + realm + "\", header=\"" + apiKeyHeader + "\"" + e);
        }
        return new AuthResult(null, status, List.copyOf(challenges), error, detail);
    }

    private String describe(RouteConfig.Auth policy) {
        List<String> ways = new ArrayList<>();
        if (apiKeys != null && policy.methods().contains(RouteConfig.AuthMethod.API_KEY)) {
            ways.add("an API key in " + apiKeyHeader);
        }
        if (jwt != null && policy.methods().contains(RouteConfig.AuthMethod.JWT)) {
            ways.add("a bearer token");
        }
        return ways.isEmpty() ? "credentials" : String.join(" or ", ways);
    }

    /** Starts the key file watcher (a virtual thread that checks the file every {@code period}). */
    public synchronized void start(Duration period) {
        if (apiKeys == null || reloader != null) {
            return;
        }
        running = true;
        reloader = Thread.ofVirtual().name("headroom-api-key-reload").start(() -> {
            while (running) {
                try {
                    Thread.sleep(period);
                    apiKeys.reloadIfChanged();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "API key reload failed", e);
                }
            }
        });
    }

    @Override
    public synchronized void close() {
        running = false;
        if (reloader != null) {
            reloader.interrupt();
            reloader = null;
        }
        if (jwt != null) {
            jwt.close();
        }
    }
}
