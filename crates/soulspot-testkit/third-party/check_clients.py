"""Runs two third-party clients, unchanged, against `fake-upstreams`: spotipy (Spotify Web API)
and slskd-api (slskd). Usage: python check_clients.py '<the JSON line fake-upstreams printed>'.
Install them first: pip install spotipy slskd-api. Exits non-zero on the first mismatch."""

import json
import sys
import time

import slskd_api
import spotipy

urls = json.loads(sys.argv[1])

# spotipy: only the base URL changes (its `prefix`); the token is one the fake minted.
spotify = spotipy.Spotify(auth=urls["spotify_access_token"])
spotify.prefix = urls["spotify_api"].rstrip("/") + "/"
me = spotify.me()
assert me["id"] == "soulspot-demo", me
playlists = spotify.current_user_playlists(limit=50)
assert playlists["total"] == 1, playlists
playlist_id = playlists["items"][0]["id"]
items = spotify.playlist_items(playlist_id, limit=50)
seen = len(items["items"])
while items["next"]:
    items = spotify.next(items)
    seen += len(items["items"])
assert seen == playlists["items"][0]["items"]["total"], (seen, playlists["items"][0])
print(f"spotipy: /me, playlists and {seen} playlist items paged with next")

# slskd-api: host and API key; search, follow it to its end, read responses, delete it.
slskd = slskd_api.SlskdClient(urls["slskd"], api_key=urls["slskd_api_key"])
state = slskd.server.state()
assert state["isLoggedIn"], state
search = slskd.searches.search_text("flac", searchTimeout=1000)
for _ in range(60):
    if slskd.searches.state(search["id"])["isComplete"]:
        break
    time.sleep(0.5)
else:
    raise SystemExit("the search never completed")
responses = slskd.searches.search_responses(search["id"])
assert responses, "no responses"
first = responses[0]
wanted = [{"filename": first["files"][0]["filename"], "size": first["files"][0]["size"]}]
assert slskd.transfers.enqueue(first["username"], wanted)
downloads = slskd.transfers.get_all_downloads()
assert any(user["username"] == first["username"] for user in downloads), downloads
slskd.searches.delete(search["id"])
print(f"slskd-api: server state, a search with {len(responses)} responses, an enqueue, the listing")
