"""WeChat Official Account (公众号) and WeCom (企业微信) channels.

Plain modules (crypto, xmlmsg, render, store, api) have no Rasa imports so they
test in milliseconds; `base` holds what both Rasa input channels share, `channel`
and `wecom` only what differs; those two are registered in credentials.yml by
their dotted paths. This file stays empty on purpose: importing
`channels.wechat.crypto` must not pull in Rasa.
"""
