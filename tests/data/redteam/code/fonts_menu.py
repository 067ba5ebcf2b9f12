import tkinter as tk
from tkinter import font

RTL_FONTS = ["Microsoft Uighur", "UKIJ Tuz Tom", "Noto Naskh Arabic"]


def build_font_menu(root: tk.Tk) -> tk.Menu:
    menu = tk.Menu(root, tearoff=0)
    for name in RTL_FONTS:
        menu.add_command(label=name, command=lambda n=name: root.option_add("*Font", (n, 12)))
    return menu
