"""A seed reproduces the world bit for bit: every table's SHA-256 is pinned to what the generator gave
before it was split by entity, so a refactor that changes the RNG draw order (or any value) fails here.

Re-record the digests only for an intended change of the world, and say so in the commit message.
"""

from __future__ import annotations

import hashlib

import polars as pl
import pytest

from data.synthetic.generate import WorldSize, generate_world
from data.taxonomy import Taxonomy, load_builtin
from tests.conftest import SHARED_DATA

SMALL = WorldSize(seekers=600, vacancies=200, interactions=3_000, episodes=400, seed=7)
# ESCO has no sectors: occupations fall back to ISCO major groups (other demand, industry, isced paths).
ESCO_WORLD = WorldSize(seekers=400, vacancies=200, interactions=2_000, episodes=300, seed=5)
# More episodes than seekers: some citizens get a second episode (the other branch of who gets one).
REPEATS = WorldSize(seekers=150, vacancies=60, interactions=500, episodes=200, seed=8)

DIGESTS = {
    SMALL: {
        "postcodes": "2a4efba68cd6b5f08cd8eb2fd21c6b3b9861cde3547b0ad0e23026e4a59be25e",
        "jobcenters": "6b1c5152266357cbda761e73e8132ada89e33eeda261ab9a0c6952a5bcda073e",
        "employers": "63b6d9a438437c3394e29978498b558ecbb6409a0fffcb7d7b7034debd716df1",
        "seekers": "741018dab347eb3d0ff09e4a42de76b3a2f5db55fb97c20b2652de6008dcc6e3",
        "seeker_protected": "668d30bae8a0a0baea137ae4cfaaca892e79f52f0cc31138204f2d53920dce67",
        "vacancies": "3820ea9703897ef28864fffcabe1943264605b94f3b2a9749e71c27e7a5a8bfc",
        "interactions": "091897fa23db78a5014220f865443a68f5f4ee8f7d33d39a4acda9c6871133b0",
        "interventions": "d680875991fed80d4c3f30979a5278d34a927d09da93a2e3a918c99d03ee63b2",
        "outcomes": "63f5bb880193bb40056bb725b415e68da2af588c900d2423c0c2b59d58895ea1",
        "programme_capacity": "fd2c9e92ffcde1374229243f30b5939056519916b4604b0cb9a4dccf4c02ed2e",
        "gt_params": "5d6fdfc7defb5dafbb0135b4f448d34d3f25ab68947d44bc87d487fe90c2d938",
        "gt_seeker_latent": "8d4cd671b441902eb86818ba46763139c5f6f56b718a85a0d5f4d96c6ea83448",
        "gt_vacancy_latent": "e31638916706d67ca0f7a2bc5681aac13ccdb3ece66ec9cf13d1a4a9dbe463c8",
        "gt_episode_effects": "cec0fc5e06c56621ad173fcf4334d805e312226502944336654205c880b64e95",
    },
    REPEATS: {
        "postcodes": "2a4efba68cd6b5f08cd8eb2fd21c6b3b9861cde3547b0ad0e23026e4a59be25e",
        "jobcenters": "6b1c5152266357cbda761e73e8132ada89e33eeda261ab9a0c6952a5bcda073e",
        "employers": "270b086384c00e58756c1a0f248645b9354a1df26142b00c05b478806c240f2f",
        "seekers": "24321d04d65f586472a4b9025a8a612a5858706787c53b0a02fca96fc13f44f7",
        "seeker_protected": "d3ca7c02dba557ec7eb39d8ab9f1b1c0201991833d1baa4f49e8ca0ac9a84700",
        "vacancies": "a2d14b4370cfb5f07c32d1fe1adee41755daa6e78fdbdb859a6400f03b19e4ff",
        "interactions": "aa20f899d86553ce8379204d0b0b46438e2be289175bde42487c6ab809dc5240",
        "interventions": "7aa5327d90d7888e8422c39223d56f31680d7fe3526911538fda1e9921b55214",
        "outcomes": "c0a56a22ee54d1edfb7b9e623ec83031a4af1c6fe7f2620cde59156a9c711a03",
        "programme_capacity": "eb084bf356b9b8ea6e8bf7416fc420adc2115a3a9675082923bcd8bcfda95ae4",
        "gt_params": "595e06a095bb3a39271e8bf7ac36543aeb059853549c7dcb7dc74a5bd636b4fb",
        "gt_seeker_latent": "3c9553d8fb2c13631fdf19ecdc97532b1ffbdaacf6266a2f609a012b364f67ff",
        "gt_vacancy_latent": "35605e374a118f23365d7f3f8add56b743765a3eacd1e175a9ece870a5e3392b",
        "gt_episode_effects": "2a0ee7d29e7ea906ee8a41467f9f8ac7480b5c0bf7fcbcb0cc099927dd510ad4",
    },
}

ESCO_DIGESTS = {
    "postcodes": "2a4efba68cd6b5f08cd8eb2fd21c6b3b9861cde3547b0ad0e23026e4a59be25e",
    "jobcenters": "6b1c5152266357cbda761e73e8132ada89e33eeda261ab9a0c6952a5bcda073e",
    "employers": "29c6180f88aa04febde3da7bc1a711ffae9fd0021a24bedd12b69b50da64ab2c",
    "seekers": "46b04bba6f17e035f49dab0c253c680f514e464c2739e45d8adc9e60a32f74d5",
    "seeker_protected": "2493c8f1fde19affc6f20382008dc1389b09409fd2829c96ba5230ad16828574",
    "vacancies": "c378007640bc56c5e9d4366517b5775592ec33a7dd7a3660137014ca25b856d9",
    "interactions": "60e10d41e583d506f282c9e6b5395dfb1bd79c39f893e82c15204e1a10912815",
    "interventions": "1e021a724c9b9275e3ab1ea77f2a8cc9cce0d72fbd10ed39e7aa53bed8939151",
    "outcomes": "c83f883cd30b54bc7375a635e610cc35e0449fc6f275cf9f8d0ead4aa48edc5a",
    "programme_capacity": "2b3faa02ca7a4dbf6d8267c7b509463b8f0ac8a80e98884de9e3bf053f8abdfb",
    "gt_params": "c7be498f8f3b3b5230e3db0532cd7e1b3c84be0cedc97b4fbde6f82eaada88cc",
    "gt_seeker_latent": "df811fcebbeee2ecbfde58668ea28214e74f6ae18093e90c268de8fdf5493000",
    "gt_vacancy_latent": "73d16971ed08032f9e262a196b6499ab05526e5cd9c3f30e75fbe2e9e9fd4647",
    "gt_episode_effects": "e8ead0da0d73797e9dc6add0b5055e4d24bbb51fd092ceb91b53ffc6a6e35979",
}


def table_digest(frame: pl.DataFrame) -> str:
    """SHA-256 of the schema and the rows as JSON lines, sorted, so it depends on content alone."""
    rows = frame.write_ndjson().splitlines()
    schema = ",".join(f"{name}:{dtype}" for name, dtype in frame.schema.items())
    payload = "\n".join([schema, *sorted(rows)]).encode()
    return hashlib.sha256(payload).hexdigest()


def world_digests(taxonomy: Taxonomy, size: WorldSize) -> dict[str, str]:
    return {name: table_digest(frame) for name, frame in generate_world(taxonomy, size).items()}


@pytest.mark.parametrize("size", [SMALL, REPEATS], ids=["small", "repeat-episodes"])
def test_world_is_bit_identical_for_its_seed(size: WorldSize) -> None:
    assert world_digests(load_builtin(), size) == DIGESTS[size]


def test_esco_world_is_bit_identical_for_its_seed() -> None:
    esco_dir = SHARED_DATA / "esco-v1.1.1"
    if not esco_dir.is_dir():
        pytest.skip(f"ESCO files not found at {esco_dir}")
    from data.esco import load_esco

    esco = load_esco(esco_dir, SHARED_DATA / "esco-da-labels" / "occupation_labels_da.csv")
    assert world_digests(esco, ESCO_WORLD) == ESCO_DIGESTS
