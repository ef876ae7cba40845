"""A local stand-in for Slack: its Web API, and the signed requests it sends to apps.

- :class:`SlackWebApiStandIn` answers the bot's Web API calls (``SLACK_API_URL``)
  and response_url posts, records them, and fails on demand (error answers, 429s,
  5xx, answers lost after the work was done). It keeps channels (public, private,
  archived, with the bot in them or not) and every posted message with its thread
  and metadata, so a test reads what a channel shows (:meth:`messages`).
- ``files_upload_v2`` works against it: the stand-in hands out upload URLs on
  itself and keeps every uploaded file (:meth:`SlackWebApiStandIn.uploaded_files`).
- :class:`SlackRequestSender` plays Slack's side of the conversation: signed
  slash commands, button clicks, modal submissions and events posted to the
  app's ``/slack/events``.

Used by ``syncbot demo`` to run the product offline and by the end-to-end tests::

    with SlackWebApiStandIn() as slack:           # SLACK_API_URL=slack.api_url
        slack.add_user("U0001", name="ada", is_admin=True)
        ...start the bot with SLACK_BOT_TOKEN=slack.token...
        sender = SlackRequestSender(app_url, signing_secret, web_api=slack)
        sender.slash_command("credentials", user_id="U0001")
        modal = slack.wait_for("views.open").response["view"]
        sender.view_submission("sync_credentials", state_values({...}), opened_view=modal)

- :class:`SocketModeStandIn` (``slack.enable_socket_mode()``) is Slack's Socket Mode:
  ``apps.connections.open`` hands out its local WebSocket URL, and it delivers the same
  requests as envelopes and records the app's acknowledgements.
"""

from .files import UploadedFile
from .payloads import checkboxes_value, plain_text_value, state_values
from .records import RecordedCall, ResponsePost, SocketAck
from .signed_requests import SlackRequestSender, Signing, ack_text
from .signing import compute_signature, signature_headers
from .socket_mode import DEFAULT_APP_TOKEN, SocketModeStandIn
from .web_api import DEFAULT_BOT_TOKEN, SlackWebApiStandIn
from .workspace import WorkspaceIdentity

__all__ = [
    "DEFAULT_APP_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "RecordedCall",
    "ResponsePost",
    "Signing",
    "SocketAck",
    "SocketModeStandIn",
    "SlackRequestSender",
    "SlackWebApiStandIn",
    "UploadedFile",
    "WorkspaceIdentity",
    "ack_text",
    "checkboxes_value",
    "compute_signature",
    "plain_text_value",
    "signature_headers",
    "state_values",
]
