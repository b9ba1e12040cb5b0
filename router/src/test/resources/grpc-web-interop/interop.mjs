// Real gRPC-Web clients against the router: Connect's gRPC-Web transport (binary and JSON, HTTP/1.1 and HTTP/2) and grpc-web's
// own client (grpcwebtext, XMLHttpRequest). Run by GrpcWebInteropProbe: node interop.mjs PORT DESCRIPTOR_SET.
// Prints one "OK ..." line per check and exits 1 at the first failed one.
import fs from "node:fs";
import { create, fromBinary, toBinary, createFileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { createClient, ConnectError, Code } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import XMLHttpRequest from "xhr2";
import grpcWeb from "grpc-web";

const [port, setFile] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, fs.readFileSync(setFile)));
const library = registry.getService("headroom.test.Library");
const msg = (name) => registry.getMessage(`headroom.test.${name}`);

function check(cond, what) {
  if (!cond) {
    console.log(`FAIL ${what}`);
    process.exit(1);
  }
  console.log(`OK ${what}`);
}

// binary (application/grpc-web+proto) and JSON (application/grpc-web+json: the router translates by its descriptor set)
for (const [httpVersion, useBinaryFormat] of [["1.1", true], ["2", true], ["1.1", false], ["2", false]]) {
  const client = createClient(library, createGrpcWebTransport({ baseUrl: base, httpVersion, useBinaryFormat }));
  let headers, trailers;
  const book = await client.getBook({ shelf: "s", id: "7" }, {
    headers: { "x-tenant": "acme" },
    onHeader: (h) => (headers = h),
    onTrailer: (t) => (trailers = t),
  });
  check(book.title === "Title of 7", `connect ${httpVersion}${useBinaryFormat ? "" : " json"} unary: ${book.title}`);
  check(headers.get("x-served-by") === "a" && trailers.get("x-cost") === "3",
    `connect ${httpVersion}${useBinaryFormat ? "" : " json"} unary: header x-served-by=${headers.get("x-served-by")}, trailer x-cost=${trailers.get("x-cost")}`);
  const titles = [];
  for await (const b of client.listBooks({ shelf: "s", count: 5 })) {
    titles.push(b.title);
  }
  check(titles.join(",") === "Book 0,Book 1,Book 2,Book 3,Book 4", `connect ${httpVersion}${useBinaryFormat ? "" : " json"} server streaming: ${titles.length} books`);
  try {
    await client.getBook({ shelf: "s", id: "missing" });
    check(false, `connect ${httpVersion}${useBinaryFormat ? "" : " json"} trailers-only error`);
  } catch (e) {
    const err = ConnectError.from(e);
    check(err.code === Code.NotFound && err.rawMessage === "no book missing on shelf s",
      `connect ${httpVersion}${useBinaryFormat ? "" : " json"} trailers-only error: ${Code[err.code]} "${err.rawMessage}"`);
  }
  try {
    const got = [];
    for await (const b of client.listBooks({ shelf: "short", count: -2 })) {
      got.push(b.title);
    }
    check(false, `connect ${httpVersion}${useBinaryFormat ? "" : " json"} error in the trailer frame`);
  } catch (e) {
    const err = ConnectError.from(e);
    check(err.code === Code.OutOfRange, `connect ${httpVersion}${useBinaryFormat ? "" : " json"} error after 2 messages, in the trailer frame: ${Code[err.code]} "${err.rawMessage}"`);
  }
  try {
    await client.sleep({ millis: 5000 }, { timeoutMs: 300 });
    check(false, `connect ${httpVersion}${useBinaryFormat ? "" : " json"} deadline`);
  } catch (e) {
    check(ConnectError.from(e).code === Code.DeadlineExceeded, `connect ${httpVersion}${useBinaryFormat ? "" : " json"} deadline: ${Code[ConnectError.from(e).code]}`);
  }
}

// grpc-web's own client (what protoc-gen-grpc-web's generated code calls), in its default text mode
globalThis.XMLHttpRequest = XMLHttpRequest;
const web = new grpcWeb.GrpcWebClientBase({ format: "text" });
const method = (name, type, input, output) => new grpcWeb.MethodDescriptor(`/headroom.test.Library/${name}`, type, Object, Object,
  (req) => toBinary(msg(input), create(msg(input), req)), (bytes) => fromBinary(msg(output), bytes));
const getBook = method("GetBook", "unary", "GetBookRequest", "Book");
const listBooks = method("ListBooks", "server_streaming", "ListBooksRequest", "Book");

const unary = (req) => new Promise((resolve) => {
  let status;
  const call = web.rpcCall(`${base}/headroom.test.Library/GetBook`, req, { "x-tenant": "acme" }, getBook, (err, res) => resolve({ err, res, status }));
  call.on("status", (s) => (status = s));
});
const ok = await unary({ shelf: "s", id: "9" });
check(!ok.err && ok.res.title === "Title of 9", `grpc-web text unary: ${ok.res && ok.res.title}`);
const missing = await unary({ shelf: "s", id: "missing" });
check(missing.err && missing.err.code === grpcWeb.StatusCode.NOT_FOUND && missing.err.message === "no book missing on shelf s",
  `grpc-web text trailers-only error: code ${missing.err && missing.err.code} "${missing.err && missing.err.message}"`);
const streamed = await new Promise((resolve) => {
  const titles = [];
  let status;
  const s = web.serverStreaming(`${base}/headroom.test.Library/ListBooks`, { shelf: "s", count: 20 }, {}, listBooks);
  s.on("data", (b) => titles.push(b.title));
  s.on("status", (st) => (status = st));
  s.on("error", (e) => resolve({ titles, error: e }));
  s.on("end", () => resolve({ titles, status }));
});
check(!streamed.error && streamed.titles.length === 20 && streamed.titles[19] === "Book 19" && streamed.status.code === 0
    && streamed.status.metadata["x-cost"] === "3",
  `grpc-web text server streaming: ${streamed.titles.length} books, status ${streamed.status && streamed.status.code}, trailer x-cost=${streamed.status && streamed.status.metadata["x-cost"]}`);
console.log("ALL OK");
