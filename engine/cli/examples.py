"""`assess examples`: the example submissions shipped with the package, listed or copied out."""

from __future__ import annotations

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
    from engine.files.atomic import make_folder, write_bytes_atomic

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
            write_bytes_atomic(folder / path.name, path.read_bytes())  # never through a link or into a device
    # the assessors' decisions on the examples; a plan and a district's submission for its 分工表;
    # two years of the same units (assess batch --history)
    for sub, patterns in (
        ("reviews", ("*.yaml",)),
        ("responsibility", ("*.json", "*.txt")),
        ("history", ("*.yaml", "*.json", "*/*.json")),
    ):
        extra = sorted(p for pattern in patterns for p in (source / sub).glob(pattern))
        for path in extra:
            target = folder / sub / path.relative_to(source / sub)
            make_folder(target.parent)
            write_bytes_atomic(target, path.read_bytes())
    click.echo(f"已复制 {len(files)} 份示例到 {folder}；试一试：assess {folder / files[0].name}", err=True)
