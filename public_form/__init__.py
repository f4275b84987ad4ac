"""The public referral form: a small web app for anyone outside the council.

`app.create_app` builds it; `drainer` delivers what it stores to the cme-case deployment. The web
app never talks to Prefect and holds no Prefect credentials.
"""
