from django.db import models


class ProcedureKind(models.TextChoices):
    COSMETIC = "cosmetic", "Cosmetic procedure"
    MEDICAL = "medical", "Medical procedure"


class Practitioner(models.TextChoices):
    COSMETOLOGIST = "cosmetologist", "A specially trained cosmetologist"
    DERMATOLOGIST = "dermatologist", "A dermatologist with higher medical education"


class Season(models.TextChoices):
    SPRING = "spring", "Spring"
    SUMMER = "summer", "Summer"
    AUTUMN = "autumn", "Autumn"
    WINTER = "winter", "Winter"


class SourceKind(models.TextChoices):
    ARTICLE = "article", "Web article"
    LEAFLET = "leaflet", "Patient leaflet"
    REFERENCE = "reference", "Medical reference"
    EDITORIAL = "editorial", "Cryoview editorial note"


class ClaimSection(models.TextChoices):
    """The parts of a guide, in the order a reader meets them."""

    WHAT_IT_IS = "what_it_is", "What it is"
    TECHNIQUE = "technique", "How it is done"
    DURATION = "duration", "How long it takes"
    COURSE = "course", "Course of sessions"
    EFFECT = "effect", "What it does"
    MECHANISM = "mechanism", "How it works"
    INDICATION = "indication", "Who it is for"
    RELATED_USE = "related_use", "Other uses"
    LIMIT = "limit", "What it cannot do"
    CONTRAINDICATION = "contraindication", "Who should not have it"
    CAUTION = "caution", "Take extra care"
    SEASON = "season", "When to have it"
    PRACTITIONER = "practitioner", "Who may perform it"
    REFERRAL = "referral", "See a doctor first"
    SAFETY_STEP = "safety_step", "Safety steps"
    SIDE_EFFECT = "side_effect", "Side effects"
    AFTERCARE = "aftercare", "Aftercare"


class RevisionOrigin(models.TextChoices):
    IMPORT = "import", "Imported from content files"
    ADMIN = "admin", "Edited in the admin"
