package io.headroom.router.grpc;

import io.grpc.Status;

/** gRPC status codes as HTTP statuses, as google.rpc.Code documents them (and grpc-gateway and Envoy map them). */
public final class GrpcStatuses {
    private GrpcStatuses() {
    }

    /** The HTTP status of a gRPC status code. */
    public static int httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case RESOURCE_EXHAUSTED -> 429;
            case CANCELLED -> 499;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            default -> 500; // UNKNOWN, INTERNAL, DATA_LOSS
        };
    }

    /**
     * The status the pool's health accounting sees: only what says the member is broken counts as a failure
     * (UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS: 5xx); RESOURCE_EXHAUSTED is a member shedding load (429); the
     * caller's mistakes (NOT_FOUND, INVALID_ARGUMENT, UNIMPLEMENTED...) are answers of a healthy member.
     */
    public static int healthStatus(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS -> 502;
            case RESOURCE_EXHAUSTED -> 429;
            default -> 200;
        };
    }
}
