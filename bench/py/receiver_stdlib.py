"""The receiver benchmark's Python contender on the standard library: a threading HTTP/1.1
server (keep-alive) that verifies each delivery with the official SDK's verify_webhook and
answers 200 {} (401 when it fails). usage: receiver_stdlib.py SECRET PORT"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from agentphone import WebhookVerificationError, verify_webhook

SECRET = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The head and the body go out in two writes: without this, each answer's body waits for
    # the client's delayed ACK (40 ms), which would measure the socket, not Python.
    disable_nagle_algorithm = True

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            verify_webhook(body, self.headers.get("X-Webhook-Signature", ""), secret=SECRET,
                           timestamp=self.headers.get("X-Webhook-Timestamp", ""))
            status, answer = 200, b"{}"
        except WebhookVerificationError:
            status, answer = 401, b'{"error":"bad signature"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler)
print(f"http://127.0.0.1:{server.server_address[1]}/webhook", flush=True)
server.serve_forever()
