# The product kinds moved to their apps (swap.FaceSwapJob, slowmotion.SlowMotionJob): only
# Django's model state changes here; their tables (jobs_faceswapjob, jobs_slowmotionjob) stay.
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0004_option_choices'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='FaceSwapJob'),
                migrations.DeleteModel(name='SlowMotionJob'),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name='job',
            name='kind',
            field=models.CharField(editable=False, max_length=16),
        ),
    ]
