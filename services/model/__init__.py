"""The model service: River models learning online over HTTP, durable across crashes."""
