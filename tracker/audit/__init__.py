"""The audit trail (操作日志): append-only records of who changed what, when and from where."""
