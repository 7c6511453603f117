"""The suite's fixed secrets: the keys of every app and process under test, and the one
password of the people they make."""

PASSWORD = "correct horse battery staple"
FIELD_KEY = "x4bW7XoTPc0Xn0p2ZkQ6gYhE7g8gV1rG0j9aS2mJ3kQ="
SECRET_KEY = "test-secret-key-" + "k" * 40
