"""Valid inputs of each outside format: the seeds that fuzzers mutate into hostile ones."""

from __future__ import annotations

from typing import Any

TWARC_PAGE: dict[str, Any] = {
    "data": [
        {
            "id": "1600000000000000001",
            "text": "hello @bob https://t.co/x",
            "author_id": "11",
            "created_at": "2022-12-01T10:00:00.000Z",
            "lang": "en",
            "conversation_id": "1600000000000000001",
            "edit_history_tweet_ids": ["1600000000000000001"],
            "entities": {
                "mentions": [{"username": "bob", "id": "12"}],
                "urls": [
                    {
                        "url": "https://t.co/x",
                        "expanded_url": "https://example.com/a",
                        "start": 11,
                        "end": 25,
                    }
                ],
            },
            "referenced_tweets": [{"type": "quoted", "id": "1600000000000000002"}],
            "attachments": {"media_keys": ["3_1600000000000000003"]},
            "withheld": {"country_codes": ["DE"]},
        }
    ],
    "includes": {
        "users": [
            {
                "id": "11",
                "username": "alice",
                "name": "Alice",
                "description": "bio",
                "location": "here",
                "url": "https://t.co/y",
                "entities": {"url": {"urls": [{"expanded_url": "https://alice.example"}]}},
                "profile_image_url": "https://pbs.example/a.jpg",
                "verified": False,
                "protected": False,
                "created_at": "2020-01-01T00:00:00.000Z",
                "public_metrics": {
                    "followers_count": 10,
                    "following_count": 5,
                    "tweet_count": 100,
                },
            }
        ],
        "tweets": [
            {
                "id": "1600000000000000002",
                "text": "quoted",
                "author_id": "12",
                "in_reply_to_user_id": "11",
                "referenced_tweets": [{"type": "replied_to", "id": "1600000000000000009"}],
            }
        ],
        "media": [
            {
                "media_key": "3_1600000000000000003",
                "type": "photo",
                "url": "https://pbs.example/m.jpg",
                "width": 100,
                "height": 80,
            }
        ],
    },
    "errors": [
        {
            "resource_type": "user",
            "value": "carol",
            "detail": "User has been suspended: [carol].",
            "title": "Forbidden",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
            "parameter": "username",
            "resource_id": "13",
        }
    ],
    "meta": {"result_count": 1},
    "__twarc": {
        "url": "https://api.twitter.com/2/users/11/followers?max_results=1000",
        "retrieved_at": "2022-12-02T00:00:00+00:00",
        "version": "2.12.0",
    },
}

TWARC_FLAT_TWEET: dict[str, Any] = {
    "id": "1600000000000000005",
    "text": "flat",
    "author_id": "11",
    "author": {"id": "11", "username": "alice", "name": "Alice"},
    "in_reply_to_user": {"id": "12", "username": "bob", "name": "Bob"},
    "edit_history_tweet_ids": ["1600000000000000004", "1600000000000000005"],
    "referenced_tweets": [
        {"type": "retweeted", "id": "1600000000000000006", "text": "rt", "author_id": "12"}
    ],
    "entities": {"mentions": [{"username": "bob", "id": "12", "name": "Bob"}]},
    "attachments": {"media": [{"media_key": "7_1", "type": "video"}], "media_keys": ["7_1"]},
    "__twarc": {"retrieved_at": "2022-12-02T00:00:00+00:00"},
}

TWARC_COMPLIANCE: dict[str, Any] = {
    "id": "11",
    "action": "delete",
    "reason": "suspended",
    "redacted_at": "2022-12-03T00:00:00.000Z",
}

MASTODON_STATUS: dict[str, Any] = {
    "id": "109000000000000001",
    "created_at": "2022-12-01T10:00:00.000Z",
    "edited_at": None,
    "in_reply_to_id": "108",
    "in_reply_to_account_id": "2",
    "language": "en",
    "url": "https://social.example/@alice/109000000000000001",
    "uri": "https://social.example/users/alice/statuses/109000000000000001",
    "content": '<p>hi <a href="https://example.com/x">link</a> <span>@bob</span></p>',
    "spoiler_text": "cw",
    "account": {
        "id": "1",
        "username": "alice",
        "acct": "alice",
        "display_name": "Alice",
        "note": "<p>bio</p>",
        "url": "https://social.example/@alice",
        "avatar": "https://social.example/a.png",
        "locked": False,
        "followers_count": 3,
        "following_count": 4,
        "statuses_count": 5,
        "created_at": "2020-01-01T00:00:00.000Z",
    },
    "reblog": None,
    "quote": {
        "state": "accepted",
        "quoted_status": {
            "id": "107",
            "content": "<p>quoted</p>",
            "account": {"id": "3", "username": "carol", "acct": "carol@other.example"},
        },
    },
    "mentions": [{"id": "2", "username": "bob", "acct": "bob@other.example"}],
    "media_attachments": [
        {
            "id": "55",
            "type": "image",
            "url": "https://social.example/m.png",
            "meta": {"original": {"width": 10, "height": 20}},
        }
    ],
    "card": {"url": "https://example.com/x", "title": "card"},
}

MASTODON_ACCOUNT: dict[str, Any] = {
    "id": "9",
    "username": "dan",
    "acct": "dan",
    "url": "https://social.example/@dan",
    "suspended": True,
}

BLUESKY_FEED_ITEM: dict[str, Any] = {
    "post": {
        "uri": "at://did:plc:alice/app.bsky.feed.post/3k1",
        "cid": "bafy1",
        "author": {
            "did": "did:plc:alice",
            "handle": "alice.bsky.social",
            "displayName": "Alice",
            "followersCount": 3,
        },
        "record": {
            "text": "hi @bob.bsky.social https://example.com",
            "createdAt": "2024-01-01T00:00:00Z",
            "langs": ["en"],
            "reply": {"parent": {"uri": "at://did:plc:bob/app.bsky.feed.post/3k0"}},
            "facets": [
                {
                    "index": {"byteStart": 3, "byteEnd": 19},
                    "features": [
                        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"}
                    ],
                },
                {
                    "index": {"byteStart": 20, "byteEnd": 39},
                    "features": [
                        {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com"}
                    ],
                },
            ],
            "embed": {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "image": {"ref": {"$link": "bafyimg"}},
                        "aspectRatio": {"width": 4, "height": 3},
                    }
                ],
            },
        },
        "embed": {
            "$type": "app.bsky.embed.images#view",
            "images": [{"fullsize": "https://cdn.example/img.jpg"}],
        },
        "indexedAt": "2024-01-01T00:00:01Z",
    },
    "reply": {
        "parent": {
            "uri": "at://did:plc:bob/app.bsky.feed.post/3k0",
            "author": {"did": "did:plc:bob", "handle": "bob.bsky.social"},
            "record": {"text": "parent"},
        }
    },
    "reason": {
        "$type": "app.bsky.feed.defs#reasonRepost",
        "by": {"did": "did:plc:carol", "handle": "carol.bsky.social"},
        "indexedAt": "2024-01-02T00:00:00Z",
    },
}

BANK_CSV = "pdq,label,item,quality\n" + "f" * 64 + ",csam,item1,90\n" + "0" * 63 + "1,,,\n"
BANK_JSON = (
    '{"hashes": [{"hash_type": "pdq", "hash_value": "' + "a" * 64 + '", "tags": ["x"],'
    ' "quality": 80}, "' + "b" * 64 + '"]}'
)
LIST_CSV = (
    "platform,account_id,username,criterion\nx,11,alice,C1\nmastodon:social.example,,@bob,C2\n"
)
SEEDS_CSV = "platform,account_id,username\nx,11,\nx,,@bob\nmastodon,3,\n"
HOSTS_CSV = "domain,provider,notice_email,notice_url\nexample.com,Example Host,abuse@example.com,\n"
