"""`assess examples`: the example submissions shipped with the package, listed or copied out."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from engine.cli.common import CONTEXT, Command, PathType


@click.command("examples", cls=Command, context_settings=CONTEXT)
@click.option(
    "--output", "-o", "folder", type=PathType(file_okay=False, path_type=Path), help="把示例复制到这个文件夹。"
)
def examples_command(folder: Path | None) -> None:
    """列出随程序安装的示例申报数据（单位、考核年度、文件位置），或用 -o 复制出来试用。

    \b
    例：
      assess examples
      assess examples -o 示例
    """
    from engine.api import shipped_examples_dir
    from engine.files.atomic import make_folder

    source = shipped_examples_dir()
    files = sorted(p for p in source.iterdir() if p.suffix == ".json")
    if folder is None:
        for path in files:
            click.echo(f"{path.name}  {path}")
        click.echo(f"说明：{source / 'README.md'}；复制出来：assess examples -o 示例", err=True)
        return
    make_folder(folder)
    for path in [*files, source / "README.md"]:
        if path.is_file():
            shutil.copyfile(path, folder / path.name)
    reviews = sorted((source / "reviews").glob("*.yaml"))  # the assessors' decisions on the examples
    if reviews:
        make_folder(folder / "reviews")
        for path in reviews:
            shutil.copyfile(path, folder / "reviews" / path.name)
    history = source / "history"  # two years of the same units (assess batch --history)
    if history.is_dir():
        shutil.copytree(history, folder / "history", dirs_exist_ok=True)
    click.echo(f"已复制 {len(files)} 份示例到 {folder}；试一试：assess {folder / files[0].name}", err=True)
