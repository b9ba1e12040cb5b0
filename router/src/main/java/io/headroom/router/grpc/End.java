package io.headroom.router.grpc;

import io.grpc.Metadata;
import io.grpc.Status;

/** The end of a call: its status and the member's trailers. */
record End(Status status, Metadata trailers) {
}
