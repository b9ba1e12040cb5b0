package io.headroom.autoscaler.provider;

import com.sun.net.httpserver.HttpExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Against a local server on 127.0.0.1 that speaks the Auto Scaling Query API (form-encoded actions, XML answers)
 * and verifies each request's AWS Signature Version 4 for service {@code autoscaling} with the test credentials.
 */
@Timeout(60)
class AwsAutoScalingProviderTest {
    private static final String KEY_ID = "AKIDHEADROOMTEST";
    private static final String SECRET_KEY = "headroom-test-secret-key";
    private static final String NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
    private static final Pattern AUTH = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})");

    @RegisterExtension
    final LoopbackServer server = new LoopbackServer("/", this::handle);
    private final List<Map<String, String>> actions = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private volatile int desired = 2;
    private volatile int inService = 1;
    private volatile int maxSize = 10;

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        String problem = checkSignature(ex, body);
        Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
        actions.add(form);
        if (problem != null) {
            problems.add(problem);
            reply(ex, 403, error("SignatureDoesNotMatch", problem));
            return;
        }
        switch (form.getOrDefault("Action", "")) {
            case "SetDesiredCapacity" -> {
                int want = Integer.parseInt(form.get("DesiredCapacity"));
                if (want > maxSize) {
                    reply(ex, 400, error("ValidationError", "New SetDesiredCapacity value " + want + " is above max value " + maxSize
                            + " for the AutoScalingGroup."));
                    return;
                }
                desired = want;
                reply(ex, 200, "<SetDesiredCapacityResponse xmlns=\"" + NS + "\"><ResponseMetadata><RequestId>r1</RequestId>"
                        + "</ResponseMetadata></SetDesiredCapacityResponse>");
            }
            case "DescribeAutoScalingGroups" -> {
                StringBuilder inst = new StringBuilder();
                for (int k = 0; k < desired; k++) {
                    inst.append("<member><InstanceId>i-").append(k).append("</InstanceId><AvailabilityZone>us-east-1a</AvailabilityZone>")
                            .append("<LifecycleState>").append(k < inService ? "InService" : "Pending").append("</LifecycleState>")
                            .append("<HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>");
                }
                String group = form.get("AutoScalingGroupNames.member.1");
                String groups = !"web-asg".equals(group) ? "" : "<member><AutoScalingGroupName>web-asg</AutoScalingGroupName>"
                        + "<MinSize>0</MinSize><MaxSize>" + maxSize + "</MaxSize><DesiredCapacity>" + desired + "</DesiredCapacity>"
                        + "<DefaultCooldown>300</DefaultCooldown><HealthCheckType>EC2</HealthCheckType>"
                        + "<Instances>" + inst + "</Instances></member>";
                reply(ex, 200, "<DescribeAutoScalingGroupsResponse xmlns=\"" + NS + "\"><DescribeAutoScalingGroupsResult>"
                        + "<AutoScalingGroups>" + groups + "</AutoScalingGroups></DescribeAutoScalingGroupsResult>"
                        + "<ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeAutoScalingGroupsResponse>");
            }
            default -> reply(ex, 400, error("InvalidAction", "unknown action"));
        }
    }

    private static String error(String code, String message) {
        return "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message
                + "</Message></Error><RequestId>e1</RequestId></ErrorResponse>";
    }

    private static void reply(HttpExchange ex, int code, String xml) throws IOException {
        byte[] out = xml.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/xml");
        ex.sendResponseHeaders(code, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    private static Map<String, String> form(String body) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : body.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    /** Recomputes the SigV4 signature of the request; null when it matches, else what was wrong. */
    private static String checkSignature(HttpExchange ex, byte[] body) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null) {
            return "no Authorization header";
        }
        Matcher m = AUTH.matcher(auth);
        if (!m.matches()) {
            return "not a SigV4 Authorization header: " + auth;
        }
        if (!KEY_ID.equals(m.group(1)) || !"us-east-1".equals(m.group(3)) || !"autoscaling".equals(m.group(4))) {
            return "wrong credential scope: " + auth;
        }
        String amzDate = ex.getRequestHeaders().getFirst("X-Amz-Date");
        if (amzDate == null || !amzDate.startsWith(m.group(2))) {
            return "X-Amz-Date missing or not the scope's date";
        }
        try {
            List<String> signed = List.of(m.group(5).split(";"));
            StringBuilder canonical = new StringBuilder(ex.getRequestMethod()).append('\n')
                    .append(ex.getRequestURI().getRawPath()).append('\n')
                    .append(ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery()).append('\n');
            for (String h : signed) {
                List<String> values = ex.getRequestHeaders().get(h);
                String v = values == null ? "" : String.join(",", values).trim().replaceAll(" +", " ");
                canonical.append(h).append(':').append(v).append('\n');
            }
            canonical.append('\n').append(m.group(5)).append('\n').append(hex(sha256(body)));
            String scope = m.group(2) + "/" + m.group(3) + "/" + m.group(4) + "/aws4_request";
            String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                    + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
            byte[] k = hmac(("AWS4" + SECRET_KEY).getBytes(StandardCharsets.UTF_8), m.group(2));
            k = hmac(k, m.group(3));
            k = hmac(k, m.group(4));
            k = hmac(k, "aws4_request");
            String expected = hex(hmac(k, toSign));
            return expected.equals(m.group(6)) ? null : "signature mismatch over headers " + signed;
        } catch (GeneralSecurityException e) {
            return e.toString();
        }
    }

    private static byte[] sha256(byte[] b) throws GeneralSecurityException {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private AwsConfig config(String group) {
        // refresh long enough never to fire during a test: refreshes are driven by hand
        return new AwsConfig(group, "us-east-1", server.uri(""), Duration.ofHours(1),
                Duration.ofSeconds(10));
    }

    private AwsAutoScalingProvider provider(String group) {
        return new AwsAutoScalingProvider("web", config(group),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY_ID, SECRET_KEY)), null, Clock.systemUTC());
    }

    @Test
    void setsDesiredCapacityWithoutCooldownAndCountsInServiceInstances() {
        try (AwsAutoScalingProvider p = provider("web-asg")) {
            assertThat(p.current()).isEqualTo(2);
            assertThat(p.ready()).hasSize(1);

            p.scaleTo(new ScaleRequest("web-1-6", "web", 6, 2, 1, "forecast", 1L)).join();

            assertThat(problems).isEmpty();
            Map<String, String> set = actions.stream().filter(a -> "SetDesiredCapacity".equals(a.get("Action"))).findFirst().orElseThrow();
            assertThat(set).containsEntry("AutoScalingGroupName", "web-asg").containsEntry("DesiredCapacity", "6")
                    .containsEntry("HonorCooldown", "false").containsEntry("Version", "2011-01-01");
            assertThat(p.current()).isEqualTo(6);
            assertThat(p.ready()).hasSize(1);

            inService = 6;
            assertThat(p.refreshOnce()).isTrue();
            assertThat(p.ready()).hasSize(6);
        }
    }

    @Test
    void aRefusedCapacityFailsTheActionWithAWSsMessage() {
        maxSize = 4;
        try (AwsAutoScalingProvider p = provider("web-asg")) {
            assertThatThrownBy(() -> p.scaleTo(new ScaleRequest("web-1-9", "web", 9, 2, 1, "forecast", 1L)).join())
                    .hasMessageContaining("above max value 4").hasMessageContaining("MinSize..MaxSize");
            assertThat(p.current()).isEqualTo(2);
        }
    }

    @Test
    void anUnknownGroupIsNeverActedOn() {
        try (AwsAutoScalingProvider p = provider("no-such-asg")) {
            assertThat(p.capacity()).isEmpty();
            assertThatThrownBy(() -> p.scaleTo(new ScaleRequest("x", "web", 3, 0, 0, "r", 1L)).join())
                    .hasMessageContaining("count is unknown").hasMessageContaining("no-such-asg not found");
            assertThat(actions).noneMatch(a -> "SetDesiredCapacity".equals(a.get("Action")));
        }
    }

    @Test
    void credentialsComeFromTheDefaultChainWhenNoneAreGiven() {
        List<String> keys = new ArrayList<>(List.of("aws.accessKeyId", "aws.secretAccessKey"));
        Map<String, String> before = new LinkedHashMap<>();
        keys.forEach(k -> before.put(k, System.getProperty(k)));
        System.setProperty("aws.accessKeyId", KEY_ID);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
        try (AwsAutoScalingProvider p = new AwsAutoScalingProvider("web", config("web-asg"), null, Clock.systemUTC())) {
            assertThat(p.current()).isEqualTo(2);
            assertThat(problems).isEmpty();
        } finally {
            before.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }
}
