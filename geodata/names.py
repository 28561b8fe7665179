"""Names for the generated county: places, hamlets and heads of households, from pools of characters
common in Guizhou place names and among its Han, Miao and Dong families."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# --- name pools (common in Guizhou place names and among its Han, Miao and Dong families) ---
PLACE_FIRST = "龙石岩青白黄红金银凤马牛羊桃杉竹松茶大小高平安和兴民新老东西南北中长双三"
PLACE_SECOND = "坪溪河坡寨冲坝田塘林山桥水湾洞沟井口头岭场关堡屯庄阳丰乐江源滩"
HAMLET_DIRECTION = "上下中大小新老高后前"
HAMLET_LANDFORM = "岩坡田坝塘冲沟湾坪山水桥林井洞坳"
HAMLET_POSITION = "脚头上下边口背坎"
HAMLET_ADJECTIVE = "大小新老高长平"
HAMLET_FAMILY_PLACE = "寨湾坝院冲"
SURNAMES = {
    "杨": 9, "吴": 7, "王": 6, "龙": 5, "张": 5, "李": 5, "石": 4, "陈": 4, "刘": 4,
    "罗": 3, "潘": 3, "黄": 3, "赵": 2, "周": 2, "胡": 2, "田": 2, "韦": 2, "蒙": 1.5,
    "杜": 1.5, "何": 1.5, "姚": 1, "万": 1, "欧": 1, "雷": 1, "邓": 1, "孙": 1, "徐": 1,
    "宋": 1, "唐": 1, "余": 1, "梁": 1, "谢": 1, "向": 1, "蒋": 1, "袁": 1, "邰": 0.8,
    "麻": 0.5, "滚": 0.5, "顾": 0.5,
}  # fmt: skip
GIVEN_MALE = "明华国军强勇平刚文志建伟林成海忠富贵发荣德光永兴学福祥昌金开正云才树生元洪绍世安江山东"
GIVEN_FEMALE = "英芳秀兰梅花珍丽琴凤霞燕玉翠萍娟妹群香莲桂美艳红菊春芬"

_SURNAME_CHARS = np.array(list(SURNAMES))
_SURNAME_P = np.array(list(SURNAMES.values())) / sum(SURNAMES.values())

# --- names --------------------------------------------------------------------


def _unique_names(
    rng: np.random.Generator, count: int, make: Callable[[np.random.Generator], str]
) -> list[str]:
    """Return `count` distinct names from `make`, in the order drawn."""
    names: list[str] = []
    seen: set[str] = set()  # membership only: never iterated, so order stays seed-determined
    for _ in range(100 * count + 100):
        if len(names) == count:
            return names
        name = make(rng)
        if name not in seen:
            seen.add(name)
            names.append(name)
    raise ValueError(f"cannot draw {count} distinct names")


def _pick_char(rng: np.random.Generator, pool: str) -> str:
    """Return one character of `pool`, uniformly."""
    return pool[rng.integers(len(pool))]


def place_name(rng: np.random.Generator) -> str:
    """Return a two-character place name such as 龙坪 or 石桥 (the two pools share no character)."""
    return _pick_char(rng, PLACE_FIRST) + _pick_char(rng, PLACE_SECOND)


def name_townships(rng: np.random.Generator, count: int) -> list[str]:
    """Return distinct township names: the seat (first) is 城关镇, the others …镇 (60 %) or …乡."""
    others = _unique_names(rng, count - 1, place_name)  # never 城关: 城 is in neither pool
    return ["城关镇"] + [base + ("镇" if rng.random() < 0.6 else "乡") for base in others]


def hamlet_name(rng: np.random.Generator) -> str:
    """Return a natural-village name such as 上寨, 龙家寨, 岩脚组 or 大坪组."""
    pattern = rng.random()
    if pattern < 0.2:
        return _pick_char(rng, HAMLET_DIRECTION) + "寨"
    if pattern < 0.5:
        surname = _SURNAME_CHARS[rng.choice(len(_SURNAME_CHARS), p=_SURNAME_P)]
        return surname + "家" + _pick_char(rng, HAMLET_FAMILY_PLACE)
    group = "组" if rng.random() < 0.5 else ""
    if pattern < 0.75:
        return _pick_char(rng, HAMLET_LANDFORM) + _pick_char(rng, HAMLET_POSITION) + group
    return _pick_char(rng, HAMLET_ADJECTIVE) + _pick_char(rng, HAMLET_LANDFORM) + group


def names_within(
    rng: np.random.Generator, parent: np.ndarray, make: Callable[[np.random.Generator], str]
) -> np.ndarray:
    """Return a name for each child, unique among children of the same parent (`parent` sorted)."""
    sizes = np.bincount(parent)
    names = [name for size in sizes.tolist() for name in _unique_names(rng, size, make)]
    return np.array(names)


def head_names(
    rng: np.random.Generator, female: np.ndarray, natural_village: np.ndarray, hamlet_names: np.ndarray
) -> np.ndarray:
    """Return household heads' names: surname, then one or two given characters.

    A hamlet has a main surname shared by 30-70 % of its families (龙家寨 is
    mostly 龙); other surnames follow Guizhou frequencies.
    """
    n = len(female)
    # 龙家寨 is mostly 龙; other hamlets get a main surname of their own.
    main = np.array([name[0] if name[1:2] == "家" else "" for name in hamlet_names.tolist()])
    drawn = _SURNAME_CHARS[rng.choice(len(_SURNAME_CHARS), size=len(main), p=_SURNAME_P)]
    main = np.where(main == "", drawn, main)
    any_surname = _SURNAME_CHARS[rng.choice(len(_SURNAME_CHARS), size=n, p=_SURNAME_P)]
    main_share = rng.uniform(0.3, 0.7, len(main))[natural_village]
    surname = np.where(rng.random(n) < main_share, main[natural_village], any_surname)
    pools = [np.array(list(GIVEN_MALE)), np.array(list(GIVEN_FEMALE))]
    given = [
        np.where(
            female,
            pools[1][rng.integers(len(pools[1]), size=n)],
            pools[0][rng.integers(len(pools[0]), size=n)],
        )
        for _ in range(2)
    ]
    second = np.where(rng.random(n) < 0.6, given[1], "")
    return np.strings.add(np.strings.add(surname, given[0]), second)
