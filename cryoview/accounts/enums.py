from django.db import models


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    MODERATOR = "moderator", "Moderator"
    EDITOR = "editor", "Editor"
    ADMIN = "admin", "Administrator"
