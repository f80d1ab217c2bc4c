// Alert delivery (DESIGN §6): grouping as Alertmanager groups, Alertmanager's webhook payload and
// API v2, and at-least-once delivery through the outbox in `state_dir`.
