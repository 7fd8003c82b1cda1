"""A webhook receiver a Python user would write: each POST verified with the official SDK's
verify_webhook; 200 {"verified": true, "event": ...} or 401. Prints its port, serves until
killed. usage: verifying_receiver.py SECRET"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from agentphone import WebhookVerificationError, verify_webhook

SECRET = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            verify_webhook(body, self.headers.get("X-Webhook-Signature", ""), secret=SECRET,
                           timestamp=self.headers.get("X-Webhook-Timestamp", ""))
            status = 200
            answer = {"verified": True, "event": json.loads(body)["event"],
                      "webhookId": self.headers.get("X-Webhook-ID")}
        except WebhookVerificationError as e:
            status, answer = 401, {"verified": False, "error": str(e)}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
