//! widget_request: the body, the HS512 token, the return_url, replays, and continuing the
//! bot.

mod verify_and_continue;
