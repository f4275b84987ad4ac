"""The sign-in gateway: Prefect's own server application behind the product's per-person sign-in.

`python -m gateway` serves `prefect.server.api.server.create_app()` wrapped in
`gateway.app.Gateway`, which authenticates every API call as a person or service account
(store/people.py), applies the roles (models/access_policy.py) and records every state-changing
call (store/access_log.py).
"""
