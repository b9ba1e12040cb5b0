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
 * or a bearer token in {@code Authorization} (a JWT checked here, or an opaque token checked by RFC 7662 introspection),
 * whichever the route accepts. When a route accepts both kinds of bearer token, one shaped like a JWS ({@code eyJ...}
 * with two dots) goes to the JWT checks and any other to introspection. A presented but bad credential is refused;
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
    private final TokenIntrospector introspector;
    private Thread reloader;
    private volatile boolean running;

    public Authenticator(AuthConfig config, Clock clock, Ticker ticker) {
        this.realm = config.realm();
        this.apiKeyHeader = config.apiKeys() == null ? null : config.apiKeys().header();
        this.apiKeys = config.apiKeys() == null ? null : new ApiKeyStore(config.apiKeys());
        this.jwt = config.issuers().isEmpty() ? null : new JwtVerifier(config.issuers(), clock, ticker);
        this.introspector = config.introspection() == null ? null
                : new TokenIntrospector(config.introspection(), clock, ticker, System::getenv);
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

    /** The opaque-token checker, or null when {@code router.auth.introspection} is not configured. */
    public TokenIntrospector introspector() {
        return introspector;
    }

    /**
     * @param policy        the route's requirement
     * @param apiKey        the value of the API key header, or null
     * @param authorization the value of {@code Authorization}, or null
     */
    public AuthResult authenticate(RouteConfig.Auth policy, String apiKey, String authorization) {
        return authenticate(policy, apiKey, authorization, null);
    }

    /**
     * As {@link #authenticate(RouteConfig.Auth, String, String)}, with the client certificate verified in the TLS
     * handshake (null: none). A presented API key or bearer token is checked first, since it is the more specific
     * credential (a service relaying a user's token over its own mTLS connection); without one, a route that accepts
     * {@code client-certificate} takes the certificate's consumer.
     */
    public AuthResult authenticate(RouteConfig.Auth policy, String apiKey, String authorization,
                                   io.headroom.router.tls.ClientCertificate certificate) {
        boolean acceptsKey = apiKeys != null && policy.methods().contains(RouteConfig.AuthMethod.API_KEY);
        boolean acceptsJwt = jwt != null && policy.methods().contains(RouteConfig.AuthMethod.JWT);
        boolean acceptsOpaque = introspector != null && policy.methods().contains(RouteConfig.AuthMethod.INTROSPECTION);
        Identity id = null;
        AuthResult keyAccepted = null; // the key's own accepted result: none is built per request
        if (acceptsKey && apiKey != null) {
            keyAccepted = apiKeys.accept(apiKey);
            if (keyAccepted == null) {
                return refuse(policy, 401, "invalid_api_key", "the API key is not valid", null);
            }
            id = keyAccepted.identity();
        } else if ((acceptsJwt || acceptsOpaque) && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = authorization.substring(7).strip();
            if (acceptsJwt && (!acceptsOpaque || looksLikeJws(token))) {
                try {
                    id = jwt.verify(token);
                } catch (AuthException e) {
                    return refuse(policy, 401, "invalid_token", e.getMessage(), null);
                }
            } else {
                try {
                    id = introspector.introspect(token);
                } catch (AuthException e) {
                    return refuse(policy, 401, "invalid_token", e.getMessage(), null);
                } catch (IntrospectionUnavailableException e) {
                    if (introspector.onFailure() == AuthConfig.OnFailure.UNAUTHORIZED_401) {
                        return refuse(policy, 401, "invalid_token", "the token could not be checked: " + e.getMessage(), null);
                    }
                    // fail closed, and say it is the gateway's trouble, not the client's: 503 with Retry-After
                    return new AuthResult(null, 503, List.of(), "introspection_unavailable", e.getMessage());
                }
            }
        }
        if (id == null && certificate != null && policy.methods().contains(RouteConfig.AuthMethod.CLIENT_CERTIFICATE)) {
            if (certificate.consumer() == null) {
                return refuse(policy, 403, "invalid_client_certificate", "the client certificate (subject " + certificate.subject()
                        + ") lacks what router.tls.client-consumer takes the consumer id from", "client-certificate");
            }
            id = new Identity(certificate.consumer(), certificate.scopes(), "client-certificate"); // scopes: router.tls.client-scopes
        }
        if (id == null) {
            if (policy.methods().size() == 1 && policy.methods().getFirst() == RouteConfig.AuthMethod.CLIENT_CERTIFICATE) {
                // no HTTP authentication scheme would help (RFC 9110 §15.5.2 wants a challenge with 401): the client
                // must come back over a connection with a certificate
                return new AuthResult(null, 403, List.of(), "client_certificate_required",
                        "this route needs a TLS client certificate signed by the configured client CA");
            }
            return refuse(policy, 401, "missing_credentials", "this route needs " + describe(policy), null);
        }
        for (String s : policy.scopes()) {
            if (!id.scopes().contains(s)) {
                return refuse(policy, 403, "insufficient_scope", "consumer " + id.consumer() + " lacks scope " + s, id.method());
            }
        }
        return keyAccepted != null ? keyAccepted : AuthResult.accepted(id);
    }

    /** A compact JWS: a base64url JSON header ({@code eyJ} is {@code {"}) and exactly two dots. */
    static boolean looksLikeJws(String token) {
        if (!token.startsWith("eyJ")) {
            return false;
        }
        int dots = 0;
        for (int i = 0; i < token.length(); i++) {
            if (token.charAt(i) == '.') {
                dots++;
            }
        }
        return dots == 2;
    }

    private boolean acceptsBearer(RouteConfig.Auth policy) {
        return (jwt != null && policy.methods().contains(RouteConfig.AuthMethod.JWT))
                || (introspector != null && policy.methods().contains(RouteConfig.AuthMethod.INTROSPECTION));
    }

    private AuthResult refuse(RouteConfig.Auth policy, int status, String error, String detail, String usedMethod) {
        if ("client-certificate".equals(usedMethod)) {
            return new AuthResult(null, status, List.of(), error, detail); // no HTTP scheme to challenge with
        }
        List<String> challenges = new ArrayList<>(2);
        String scope = policy.scopes().isEmpty() ? "" : ", scope=\"" + String.join(" ", policy.scopes()) + "\"";
        boolean bearer = acceptsBearer(policy) && (usedMethod == null || !usedMethod.equals("api-key"));
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
        if (policy.methods().contains(RouteConfig.AuthMethod.CLIENT_CERTIFICATE)) {
            ways.add("a TLS client certificate");
        }
        if (apiKeys != null && policy.methods().contains(RouteConfig.AuthMethod.API_KEY)) {
            ways.add("an API key in " + apiKeyHeader);
        }
        if (acceptsBearer(policy)) {
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
        if (introspector != null) {
            introspector.close();
        }
    }
}
