"""`assess serve` (the round in the browser) and `assess users add` (accounts)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from engine.cli.common import CONTEXT, Command, Group, PathType

DEFAULT_DATA = Path("考核数据")
SECRET_FILE = "会话密钥.txt"


def _db_url(db: str | None, data: Path) -> str:
    """The database: the URL given, else a SQLite file in the data folder."""
    return db or f"sqlite:///{(data / '考核.sqlite3').resolve()}"


class Refused(click.ClickException):
    """What the store refused (an unknown round, a name taken …): a user's mistake, exit 3."""

    exit_code = 3


def _store_call(fn, *args, **kwargs):
    from server.archive import ArchiveError
    from server.store import StoreError

    try:
        return fn(*args, **kwargs)
    except StoreError as exc:
        raise Refused(exc.message) from None
    except ArchiveError as exc:  # an archive that cannot be written or read back: which one and why
        raise Refused(str(exc)) from None


def _open_store(db: str | None, data: Path):
    from server.store import Store

    data.mkdir(parents=True, exist_ok=True)
    return _store_call(Store, _db_url(db, data), data)


def _secret(data: Path) -> str:
    """The key that signs session cookies: made once, kept in the data folder (readable by the owner only),
    so logins survive a restart; ASSESS_SECRET overrides it (several servers behind one proxy)."""
    given = os.environ.get("ASSESS_SECRET")
    if given:
        return given
    path = data / SECRET_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    temp = data / f".{SECRET_FILE}.{secrets.token_hex(4)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)
    return key


db_option = click.option(
    "--db", metavar="URL", help="数据库：缺省为数据文件夹中的 SQLite 文件；共用服务器用 postgresql://用户@主机/库名。"
)
data_option = click.option(
    "--data",
    type=PathType(file_okay=False, path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="数据文件夹：SQLite 数据库、佐证材料、导出的评分表和会话密钥。",
)


@click.command("serve", cls=Command, context_settings=CONTEXT)
@db_option
@data_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="监听地址；0.0.0.0 供局域网访问（请在前面加 HTTPS 反向代理）。",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="端口。")
@click.option("--secure-cookies", is_flag=True, help="会话 Cookie 只经 HTTPS 发送（在 HTTPS 反向代理之后运行时加上）。")
@click.option(
    "--export",
    "export",
    nargs=2,
    type=(click.IntRange(1), PathType(path_type=Path)),
    metavar="ROUND FILE",
    help="不启动服务：把第 ROUND 批导出为自包含的归档（申报数据、佐证材料、复核记录、结果），写入 FILE（.zip）。",
)
@click.option(
    "--import",
    "import_",
    type=PathType(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="不启动服务：从 --export 写出的归档恢复一个批次（各单位重新生成账号和首次密码）。",
)
def serve_command(
    db: str | None,
    data: Path,
    host: str,
    port: int,
    secure_cookies: bool,
    export: tuple[int, Path] | None,
    import_: Path | None,
) -> None:
    """在浏览器中组织一轮考核：考核组建批次、发账号、看进度、复核、定稿、下载评分表；各单位在网页上填报（或上传填报表）、上传佐证材料、看暂定得分并提交。

    第一次使用先建考核组账号（assess users add 张三 --role 考核组），再启动服务，用浏览器打开 http://127.0.0.1:8000 登录。数据在 --data 文件夹（缺省 ./考核数据/）。服务本身不做 HTTPS：对外提供时请放在 HTTPS 反向代理（如 nginx）之后，并加 --secure-cookies。

    导出的归档可以离线重算（assess batch 加 --overrides 和 --as-of，见 docs/考核平台.md），结果与网页下载的评分表逐字节相同。

    \b
    例（服务启动后一直运行，按 Ctrl+C 停止；--export、--import 做完即退出）：
      assess serve
      assess serve --port 8080 --data /srv/考核
      assess serve --db postgresql://assess@localhost/assess --data /srv/考核 --host 0.0.0.0 --secure-cookies
      assess serve --export 1 第1批归档.zip
      assess serve --import 第1批归档.zip
    """
    if export is not None and import_ is not None:
        raise click.UsageError("--export 和 --import 一次只用一个")
    store = _open_store(db, data)
    if export is not None:
        round_id, target = export
        written = _store_call(store.export, round_id, target)
        click.echo(f"第 {round_id} 批已导出：{written}", err=True)
        return
    if import_ is not None:
        restored = _store_call(store.import_, import_)
        click.echo(f"已恢复为第 {restored.id} 批（{restored.year}年度，{restored.ruleset_name}）", err=True)
        click.echo("各单位的账号已重新生成：请考核组登录后在批次看板查看，并为各单位重置密码。", err=True)
        return
    import uvicorn

    from server.app import create_app

    app = create_app(store, secret=_secret(data), secure_cookies=secure_cookies)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"注意：服务监听 {host}，局域网内可访问；本服务不加密传输，请在 HTTPS 反向代理之后使用。", err=True)
    click.echo(f"法治考核平台：http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}（Ctrl+C 停止）", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


@click.group("users", cls=Group, context_settings=CONTEXT)
def users() -> None:
    """平台账号：建考核组账号（单位账号在建批次时自动生成）。"""


@users.command("add", cls=Command, context_settings=CONTEXT)
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["考核组", "单位"]),
    required=True,
    help="考核组：组织考核；单位：一个被考核单位的填报账号。",
)
@click.option(
    "--unit",
    "unit_id",
    type=click.IntRange(1),
    metavar="ID",
    help="--role 单位 时：该账号所属单位的编号（批次看板上可见）。",
)
@db_option
@data_option
def users_add(name: str, role: str, unit_id: int | None, db: str | None, data: Path) -> None:
    """新建一个账号，生成首次密码并只显示这一次（打印在标准输出）。第一个考核组账号用它建，其余考核组账号也可在网页“添加考核组账号”中建。

    单位账号在建批次时自动生成；一个单位要第二个账号时用 --role 单位 --unit 单位编号（批次看板上可见）。

    \b
    例：
      assess users add 张三 --role 考核组
      assess users add 李四 --role 考核组 --data 考核数据
    """
    if role == "单位" and unit_id is None:
        raise click.UsageError("--role 单位 须用 --unit 给出所属单位的编号")
    store = _open_store(db, data)
    user, password = _store_call(store.add_user, name, role, unit_id=unit_id)
    click.echo(f"已建账号“{user.name}”（{user.role}），首次密码（只显示这一次）：", err=True)
    click.echo(password)
