// TetherNotify: alert delivery (DESIGN §6).
//
// Notification logic, pure and with time passed in:
// - `NotificationDispatcher` groups alerts per receiver as Alertmanager's dispatcher does (group_by, group_wait,
//   group_interval, repeat_interval, send_resolved, matchers) and hands out `GroupNotification`s;
// - `WebhookPayload` is Alertmanager's webhook payload version "4", byte for byte;
// - `AlertmanagerForwarder` and `AlertmanagerPayload` send alerts to an Alertmanager's API v2 as Prometheus does;
// - `WebhookSignature` signs deliveries with the Standard Webhooks headers.
// Delivery itself (the outbox in `state_dir`, retries, HTTP) builds on these.
